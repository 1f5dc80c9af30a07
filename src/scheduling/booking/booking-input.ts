import { badInput } from '../../app/errors/errors';
import { requireEmail, requireName } from '../../app/validation/validate';

export const MAX_DESCRIPTION = 10_000;
export const MAX_ATTENDEES = 50;

/** The free-text parts of a booking, checked before anything is looked up (BAD_USER_INPUT naming the field). */
export function bookingDetails(input: { title: string; description?: string | null; attendeeEmails?: readonly string[] | null }) {
  const title = requireName('title', input.title);
  const description = input.description?.trim() ? input.description : null;
  if (description && description.length > MAX_DESCRIPTION) throw badInput('description', `must be at most ${MAX_DESCRIPTION} characters`);
  const emails = input.attendeeEmails ?? [];
  if (emails.length > MAX_ATTENDEES) throw badInput('attendeeEmails', `at most ${MAX_ATTENDEES} attendees`);
  const attendeeEmails: string[] = [];
  const seen = new Set<string>();
  for (const raw of emails) {
    const email = requireEmail('attendeeEmails', raw);
    if (seen.has(email.toLowerCase())) continue;
    seen.add(email.toLowerCase());
    attendeeEmails.push(email);
  }
  return { title, description, attendeeEmails };
}
