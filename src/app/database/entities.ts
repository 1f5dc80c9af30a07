import { Agency } from '../../tenancy/agency.entity';
import { Location } from '../../tenancy/location.entity';
import { LocationDisabledFeature } from '../../tenancy/location-disabled-feature.entity';
import { LocationMember } from '../../tenancy/location-member.entity';
import { Plan } from '../../tenancy/plan.entity';
import { User } from '../../tenancy/user.entity';
import { Calendar } from '../../scheduling/calendar.entity';
import { CalendarMember } from '../../scheduling/calendar-member.entity';
import { Connection } from '../../connections/connection.entity';
import { ProviderCalendar } from '../../connections/provider-calendar.entity';

export const entities = [Plan, Agency, Location, LocationDisabledFeature, User, LocationMember, Calendar, CalendarMember, Connection, ProviderCalendar];
