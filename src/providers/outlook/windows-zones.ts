// Windows time zone names (what Exchange/Graph echo) ↔ IANA, through the `windows-iana` package (CLDR's
// windowsZones.xml and its alias table), so new zones arrive with a dependency update, not a hand edit.
// Lookups are memoised: a sync maps the same few names thousands of times.
import { IANAZone } from 'luxon';
import { findIana, findWindows } from 'windows-iana';
import { logger } from '../../app/logging/logger';

export type ZoneDirection = 'windows-to-iana' | 'iana-to-windows';
/** Told once per name that has no mapping; the caller falls back (the calendar's zone, or UTC). */
export type UnknownZoneReporter = (name: string, direction: ZoneDirection) => void;

// Names Graph uses for UTC that CLDR does not list as Windows zones.
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Coordinated Universal Time', 'tzone://Microsoft/Utc']);

const defaultReporter: UnknownZoneReporter = (name, direction) =>
  logger.warn({ zone: name, direction }, 'unknown time zone name; falling back (calendar zone or UTC)');

let reporter: UnknownZoneReporter = defaultReporter;
const reported = new Set<string>();
const ianaCache = new Map<string, string | null>();
const windowsCache = new Map<string, string | null>();

/** Where unknown names are reported (tests); null restores the log. Clears the memo of what was reported. */
export function setUnknownZoneReporter(next: UnknownZoneReporter | null): void {
  reporter = next ?? defaultReporter;
  reported.clear();
}

function reportUnknown(name: string, direction: ZoneDirection): void {
  const key = `${direction}:${name}`;
  if (reported.has(key)) return; // once per name: a sync must not log the same zone 10,000 times
  reported.add(key);
  reporter(name, direction);
}

function memo(cache: Map<string, string | null>, name: string, compute: () => string | null): string | null {
  if (cache.has(name)) return cache.get(name)!;
  const value = compute();
  cache.set(name, value);
  return value;
}

/** The IANA zone of a Windows name, when CLDR knows it; the golden zone ("001") first. */
function ianaOfWindows(name: string): string | null {
  const candidates = findIana(name, '001');
  return candidates.find((z) => IANAZone.isValidZone(z)) ?? null;
}

/**
 * IANA zone for a zone name Graph sends (a Windows name, one of the IANA names Graph accepts, or a UTC
 * alias). Null, reported once, when unknown (e.g. "Customized Time Zone").
 */
export function toIanaZone(name: string | null | undefined): string | null {
  if (!name) return null;
  if (UTC_NAMES.has(name)) return 'UTC';
  const mapped = memo(ianaCache, name, () => ianaOfWindows(name) ?? (IANAZone.isValidZone(name) ? name : null));
  if (!mapped) reportUnknown(name, 'windows-to-iana');
  return mapped;
}

/** The name ICU gives a zone (e.g. Europe/Kyiv → Europe/Kiev, the name CLDR's Windows table still uses). */
function canonicalIana(zone: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/**
 * Windows zone name for an IANA zone (aliases included), or null, reported once, when Windows has none:
 * Graph accepts every Windows name but only a short list of IANA names, so the caller then writes in UTC.
 * A Windows name passes through.
 */
export function toWindowsZone(zone: string): string | null {
  if (UTC_NAMES.has(zone)) return 'UTC';
  const mapped = memo(windowsCache, zone, () => {
    if (ianaOfWindows(zone)) return zone; // already a Windows name
    const canonical = canonicalIana(zone);
    return findWindows(zone)[0] ?? (canonical && canonical !== zone ? findWindows(canonical)[0] : undefined) ?? null;
  });
  if (!mapped) reportUnknown(zone, 'iana-to-windows');
  return mapped;
}
