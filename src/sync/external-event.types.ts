import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum EventAvailability {
  FREE = 'FREE',
  TENTATIVE = 'TENTATIVE',
  BUSY = 'BUSY',
  OUT_OF_OFFICE = 'OUT_OF_OFFICE',
  WORKING_ELSEWHERE = 'WORKING_ELSEWHERE',
  UNKNOWN = 'UNKNOWN',
}
registerEnumType(EventAvailability, { name: 'EventAvailability' });

/** A third-party event of a user's conflict or linked calendar, one per occurrence (read-only in the CRM). */
@ObjectType('ExternalEvent')
export class ExternalEvent {
  @Field(() => ID) id: string;
  /** Resolved through the per-request loader. */
  providerCalendarId: string;
  @Field(() => String, { nullable: true, description: 'Null when the owner hides event details from the viewer.' }) title: string | null;
  @Field() startTime: Date;
  @Field() endTime: Date;
  @Field() isAllDay: boolean;
  @Field(() => EventAvailability) availability: EventAvailability;
  @Field({ description: "True when this event takes time out of the owner's availability (BUSY, OUT_OF_OFFICE, UNKNOWN; TENTATIVE when the agency counts it)." })
  blocksAvailability: boolean;
}
