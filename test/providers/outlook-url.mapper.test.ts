import { OutlookUrlMapper } from '../../src/providers/outlook/outlook-url.mapper';

// msal and the Graph client see https only; a Microsoft fake served over plain http is reached by
// swapping the origin on the way out and back. Everything else must pass through untouched.

describe('OutlookUrlMapper', () => {
  const plain = new OutlookUrlMapper(['http://fake.test:8080/common', 'http://fake.test:8080/v1.0']);

  test('https endpoints: nothing changes, in either direction', () => {
    const m = new OutlookUrlMapper(['https://login.microsoftonline.com/common', 'https://graph.microsoft.com/v1.0']);
    expect(m.active).toBe(false);
    for (const url of ['https://graph.microsoft.com/v1.0/me', 'http://graph.microsoft.com/v1.0/me', '/me/calendars']) {
      expect(m.visible(url)).toBe(url);
      expect(m.wire(url)).toBe(url);
    }
    expect(m.visibleLinks('{"@odata.nextLink":"http://graph.microsoft.com/v1.0/x"}')).toBeNull();
  });

  test('an http endpoint is seen as https on the same host and port, and sent to as configured', () => {
    expect(plain.active).toBe(true);
    expect(plain.visible('http://fake.test:8080/common')).toBe('https://fake.test:8080/common');
    expect(plain.wire('https://fake.test:8080/common/oauth2/v2.0/token')).toBe('http://fake.test:8080/common/oauth2/v2.0/token');
  });

  test('path and query stay byte for byte (tokens, $-parameters, encoded characters)', () => {
    const rest = "/v1.0/me/calendars/AAMk%3D%3D/calendarView/delta?$skiptoken=a%2Bb/c==&startDateTime=2030-01-01T00:00:00.000Z&x='y'";
    expect(plain.wire(`https://fake.test:8080${rest}`)).toBe(`http://fake.test:8080${rest}`);
    expect(plain.visible(`http://fake.test:8080${rest}`)).toBe(`https://fake.test:8080${rest}`);
  });

  test('other origins, ports and relative paths are left alone (the bearer token never goes elsewhere)', () => {
    for (const url of ['http://fake.test:8081/v1.0/me', 'http://other.test:8080/v1.0/me', 'https://graph.microsoft.com/v1.0/me', '/me', 'not a url']) {
      expect(plain.visible(url)).toBe(url);
      expect(plain.wire(url)).toBe(url);
    }
  });

  test('default and explicit ports: http://h (80) and http://h:443 map to distinct https faces and back', () => {
    const m = new OutlookUrlMapper(['http://a.test/common', 'http://b.test:443/v1.0']);
    expect(m.visible('http://a.test/common')).toBe('https://a.test/common');
    expect(m.wire('https://a.test/common/x')).toBe('http://a.test/common/x');
    expect(m.visible('http://b.test:443/v1.0/me')).toBe('https://b.test/v1.0/me');
    expect(m.wire('https://b.test/v1.0/me')).toBe('http://b.test:443/v1.0/me');
    expect(m.wire('https://[::1]:8080/x')).toBe('https://[::1]:8080/x');
    expect(new OutlookUrlMapper(['http://[::1]:8080/v1.0']).wire('https://[::1]:8080/v1.0/me')).toBe('http://[::1]:8080/v1.0/me');
  });

  test('one host and port configured as both http and https is refused', () => {
    expect(() => new OutlookUrlMapper(['http://fake.test:8443/common', 'https://fake.test:8443/v1.0'])).toThrow(/both as http and as https/);
  });

  test("a Graph page's nextLink and deltaLink are turned to the face; the rest of the body is untouched", () => {
    const page = {
      value: [{ id: '1', body: { content: 'see http://fake.test:8080/v1.0/me' } }],
      '@odata.nextLink': 'http://fake.test:8080/v1.0/me/calendars/c/calendarView/delta?$skiptoken=abc',
    };
    const out = JSON.parse(plain.visibleLinks(JSON.stringify(page))!);
    expect(out['@odata.nextLink']).toBe('https://fake.test:8080/v1.0/me/calendars/c/calendarView/delta?$skiptoken=abc');
    expect(out.value).toEqual(page.value);
    expect(JSON.parse(plain.visibleLinks(JSON.stringify({ value: [], '@odata.deltaLink': 'http://fake.test:8080/v1.0/d?$deltatoken=z' }))!)['@odata.deltaLink']).toBe(
      'https://fake.test:8080/v1.0/d?$deltatoken=z',
    );
  });

  test('bodies without links to map come back as null (sent on unchanged)', () => {
    expect(plain.visibleLinks('{"value":[]}')).toBeNull();
    expect(plain.visibleLinks('{"@odata.nextLink":"https://graph.microsoft.com/v1.0/x"}')).toBeNull();
    expect(plain.visibleLinks('<html>@odata.nextLink</html>')).toBeNull();
    expect(plain.visibleLinks('["@odata.nextLink"]')).toBeNull();
  });
});
