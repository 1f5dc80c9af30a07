// The Windows zone names the emulator understands (Graph echoes Windows names), mapped to IANA.
// A name that is not listed here is looked up in CLDR's table (windows-iana), then tried as an IANA zone.
import { IANAZone } from 'luxon';
import { findIana } from 'windows-iana';

const WINDOWS_TO_IANA: Record<string, string> = {
  UTC: 'UTC',
  'Coordinated Universal Time': 'UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'GTB Standard Time': 'Europe/Bucharest',
  'Russian Standard Time': 'Europe/Moscow',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'US Mountain Standard Time': 'America/Phoenix',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Alaskan Standard Time': 'America/Anchorage',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Atlantic Standard Time': 'America/Halifax',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'India Standard Time': 'Asia/Kolkata',
  'China Standard Time': 'Asia/Shanghai',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Singapore Standard Time': 'Asia/Singapore',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'Line Islands Standard Time': 'Pacific/Kiritimati',
  'Dateline Standard Time': 'Etc/GMT+12',
};

export function ianaZoneOf(name: string): string {
  const mapped = WINDOWS_TO_IANA[name];
  if (mapped) return mapped;
  // every other Windows name Exchange knows (CLDR's table), golden zone first
  const cldr = findIana(name, '001').find((z) => IANAZone.isValidZone(z));
  if (cldr) return cldr;
  if (IANAZone.isValidZone(name)) return name;
  throw new Error(`unknown time zone: ${name}`);
}

export function isUtcZone(name: string): boolean {
  return name === 'UTC' || name === 'Etc/UTC' || name === 'Coordinated Universal Time';
}
