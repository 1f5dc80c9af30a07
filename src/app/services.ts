import { DataSource } from 'typeorm';
import { AccessService } from './auth/access.service';
import { AgencyService } from '../tenancy/agency.service';
import { LocationService } from '../tenancy/location.service';
import { MembershipHooks } from '../tenancy/membership-hooks';
import { PlanGateService } from '../tenancy/plan-gate.service';
import { PlanService } from '../tenancy/plan.service';
import { UserService } from '../tenancy/user.service';
import { CalendarService } from '../scheduling/calendar.service';
import { PubSub } from '../realtime/pubsub';
import { RealtimeService } from '../realtime/realtime.service';

/** The service singletons, wired once at start. */
export function createServices(ds: DataSource, pubsub: PubSub) {
  const access = new AccessService(ds);
  const membershipHooks = new MembershipHooks();
  return {
    ds,
    pubsub,
    access,
    membershipHooks,
    plans: new PlanService(ds),
    planGate: new PlanGateService(ds),
    agencies: new AgencyService(ds, access),
    locations: new LocationService(ds, access, membershipHooks),
    users: new UserService(ds, access, membershipHooks),
    calendars: new CalendarService(ds, access),
    realtime: new RealtimeService(ds, access),
  };
}

export type Services = ReturnType<typeof createServices>;
