// Why an asked-for meeting link is missing, in words a user can act on. The event itself is always written.
export const MEETING_ERRORS = {
  teamsPersonal: 'Teams meetings are not available for personal Microsoft accounts; the event was written without a meeting link.',
  teamsUnavailable: 'This Microsoft account cannot host Teams meetings (Teams is not enabled for it); the event was written without a meeting link.',
  teamsOnGoogle: 'Teams meetings can only be created in an Outlook calendar; the event was written to a Google calendar without a meeting link.',
  meetOnOutlook: 'Google Meet links can only be created in a Google calendar; the event was written to an Outlook calendar without a meeting link.',
  meetFailed: 'Google could not create a Meet link for this calendar (Meet may be turned off for the account); the event was written without a meeting link.',
  meetPending: 'Google had not finished creating the Meet link when the event was written; open the event in Google Calendar for the link.',
} as const;
