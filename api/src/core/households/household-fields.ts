/** An IANA time zone name the runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz.length > 0;
  } catch {
    return false;
  }
}

// Intl.NumberFormat formats any three letters ("XYZ" too); the list the
// runtime's ICU data knows is what tells an ISO 4217 code from a made-up one.
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** An ISO 4217 currency code the runtime knows: three upper-case letters, formattable. */
export function isCurrency(c: string): boolean {
  if (!/^[A-Z]{3}$/.test(c) || !CURRENCIES.has(c)) return false;
  try {
    new Intl.NumberFormat('en', { style: 'currency', currency: c });
    return true;
  } catch {
    return false;
  }
}
