import { registerEnumType } from 'type-graphql';

export enum MeetingProvider {
  NONE = 'NONE',
  AUTO = 'AUTO',
  TEAMS = 'TEAMS',
  GOOGLE_MEET = 'GOOGLE_MEET',
}
registerEnumType(MeetingProvider, {
  name: 'MeetingProvider',
  description: "The video meeting created with an appointment's provider event. AUTO: Teams for an Outlook linked calendar, Google Meet for a Google one.",
});
