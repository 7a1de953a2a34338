import { beforeEach, describe, expect, it } from 'vitest';
import {
  accountNumberLabel,
  currentLocale,
  formatMonth,
  setLocale,
  formatAmount,
  formatCount,
  formatDate,
  formatDecimal,
  formatDateTime,
  formatRelativeTime,
  isNegative,
  kindLabel,
  plural,
} from './format';

// The examples below are en-GB; the locale tests at the end switch.
beforeEach(() => setLocale('en-GB'));

describe('formatAmount', () => {
  it('groups thousands and keeps the sign and fraction', () => {
    expect(formatAmount('-61299.00', 'NOK')).toBe('-61,299.00 NOK');
    expect(formatAmount('4.27', 'EUR')).toBe('4.27 EUR');
  });

  it('keeps a zero-padded fraction exactly', () => {
    expect(formatAmount('-0.05', 'EUR')).toBe('-0.05 EUR');
    expect(formatAmount('0.50', 'USD')).toBe('0.50 USD');
    expect(formatAmount('10.10', 'NOK')).toBe('10.10 NOK');
  });

  it('handles zero-decimal currencies', () => {
    expect(formatAmount('1500', 'JPY')).toBe('1,500 JPY');
    expect(formatAmount('-250000', 'JPY')).toBe('-250,000 JPY');
    expect(formatAmount('0', 'JPY')).toBe('0 JPY');
  });

  it('is exact for values beyond double precision', () => {
    expect(formatAmount('123456789012.34', 'NOK')).toBe('123,456,789,012.34 NOK');
    expect(formatAmount('-98765432109876543210.99', 'EUR')).toBe('-98,765,432,109,876,543,210.99 EUR');
    expect(formatAmount('9007199254740993.01', 'USD')).toBe('9,007,199,254,740,993.01 USD');
  });

  it('groups only at three-digit boundaries', () => {
    expect(formatAmount('999.99', 'NOK')).toBe('999.99 NOK');
    expect(formatAmount('1000.00', 'NOK')).toBe('1,000.00 NOK');
    expect(formatAmount('100000.00', 'NOK')).toBe('100,000.00 NOK');
    expect(formatAmount('1000000', 'NOK')).toBe('1,000,000 NOK');
  });

  it('drops a plus sign and redundant leading zeros', () => {
    expect(formatAmount('+1234.50', 'EUR')).toBe('1,234.50 EUR');
    expect(formatAmount('0001234.50', 'EUR')).toBe('1,234.50 EUR');
  });

  it('shows anything that is not a plain decimal unchanged', () => {
    expect(formatAmount('1e3', 'EUR')).toBe('1e3 EUR');
    expect(formatAmount('12,50', 'EUR')).toBe('12,50 EUR');
    expect(formatAmount('', 'EUR')).toBe(' EUR');
  });

  it('formatDecimal is the number part alone', () => {
    expect(formatDecimal('-61299.00')).toBe('-61,299.00');
  });
});

describe('isNegative', () => {
  it('reads the sign from the string', () => {
    expect(isNegative('-0.05')).toBe(true);
    expect(isNegative('-61299.00')).toBe(true);
    expect(isNegative('0.00')).toBe(false);
    expect(isNegative('-0.00')).toBe(false);
    expect(isNegative('12')).toBe(false);
  });
});

describe('formatCount', () => {
  it('groups thousands', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(7)).toBe('7');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1234)).toBe('1,234');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(-4200)).toBe('-4,200');
  });

  it('pluralises', () => {
    expect(plural(1, 'transaction', 'transactions')).toBe('1 transaction');
    expect(plural(0, 'transaction', 'transactions')).toBe('0 transactions');
    expect(plural(1234, 'transaction', 'transactions')).toBe('1,234 transactions');
  });
});

describe('kindLabel', () => {
  it('names every account kind', () => {
    expect(kindLabel('current')).toBe('Current account');
    expect(kindLabel('savings')).toBe('Savings');
    expect(kindLabel('credit_card')).toBe('Credit card');
    expect(kindLabel('loan')).toBe('Loan');
    expect(kindLabel('other')).toBe('Other');
  });
});

describe('formatDate', () => {
  it('formats ISO dates without the locale', () => {
    expect(formatDate('2026-03-27')).toBe('27 Mar 2026');
    expect(formatDate('2025-01-05')).toBe('5 Jan 2025');
    expect(formatDate('2024-12-31')).toBe('31 Dec 2024');
  });

  it('uses the written date of a timestamp', () => {
    expect(formatDate('2026-03-27T23:59:59+02:00')).toBe('27 Mar 2026');
  });

  it('leaves unexpected input alone', () => {
    expect(formatDate('27.03.2026')).toBe('27.03.2026');
    expect(formatDate('2026-13-01')).toBe('2026-13-01');
  });
});

describe('formatRelativeTime', () => {
  const now = new Date('2026-03-27T12:00:00Z');
  it('says how long ago', () => {
    expect(formatRelativeTime('2026-03-27T11:59:30Z', now)).toBe('just now');
    expect(formatRelativeTime('2026-03-27T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelativeTime('2026-03-27T09:00:00Z', now)).toBe('3 h ago');
    expect(formatRelativeTime('2026-03-26T10:00:00Z', now)).toBe('yesterday');
    expect(formatRelativeTime('2026-03-23T12:00:00Z', now)).toBe('4 days ago');
    expect(formatRelativeTime('2026-02-01T08:00:00Z', now)).toBe('1 Feb 2026');
  });

  it('copes with clock skew and junk', () => {
    expect(formatRelativeTime('2026-03-27T12:05:00Z', now)).toBe('just now');
    expect(formatRelativeTime('not a time', now)).toBe('not a time');
  });
});

describe('accountNumberLabel', () => {
  it('prefers the number, then the IBAN', () => {
    expect(accountNumberLabel('1234.56.78903', 'NO9386011117947')).toBe('1234.56.78903');
    expect(accountNumberLabel(null, 'NO9386011117947')).toBe('NO9386011117947');
    expect(accountNumberLabel(null, null)).toBe('');
  });
});

describe('formatDateTime', () => {
  it('shows an instant as this computer’s local date and time', () => {
    const at = new Date(2026, 2, 27, 14, 5, 0);
    expect(formatDateTime(at.toISOString())).toBe('27 Mar 2026, 14:05');
    expect(formatDateTime(new Date(2026, 0, 3, 9, 0).toISOString())).toBe('3 Jan 2026, 09:00');
  });

  it('leaves what it cannot read alone', () => {
    expect(formatDateTime('soon')).toBe('soon');
  });
});

describe('in the user\'s locale', () => {
  it('writes nb-NO amounts with no-break spaces, a comma and kr after the number', () => {
    setLocale('nb-NO');
    expect(currentLocale()).toBe('nb-NO');
    expect(formatAmount('1657398.13', 'NOK')).toBe('1\u00a0657\u00a0398,13\u00a0kr');
    expect(formatAmount('-61299.00', 'NOK')).toBe('\u221261\u00a0299,00\u00a0kr');
    expect(formatAmount('4.27', 'EUR')).toBe('4,27\u00a0€');
    expect(formatCount(1234)).toBe('1\u00a0234');
  });

  it('writes en-GB amounts with commas, a point and the code after the number', () => {
    setLocale('en-GB');
    expect(formatAmount('1657398.13', 'NOK')).toBe('1,657,398.13 NOK');
    // Intl would put a symbol in front ("€4.27"); the number stays first so columns align.
    expect(formatAmount('4.27', 'EUR')).toBe('4.27 EUR');
  });

  it('stays exact beyond 2^53 in every locale', () => {
    setLocale('nb-NO');
    expect(formatDecimal('9007199254740993.01')).toBe('9\u00a0007\u00a0199\u00a0254\u00a0740\u00a0993,01');
    expect(formatDecimal('-98765432109876543210.99')).toBe('\u221298\u00a0765\u00a0432\u00a0109\u00a0876\u00a0543\u00a0210,99');
    setLocale('en-GB');
    expect(formatDecimal('123456789012345678901234567.89')).toBe('123,456,789,012,345,678,901,234,567.89');
  });

  it('writes dates and months the locale\'s way', () => {
    setLocale('nb-NO');
    expect(formatDate('2026-12-04')).toBe('4. des. 2026');
    expect(formatMonth('2024-11')).toBe('nov. 2024');
    expect(formatMonth('2024-05')).toBe('mai 2024');
    setLocale('en-GB');
    expect(formatDate('2026-12-04')).toBe('4 Dec 2026');
    expect(formatMonth('2024-11')).toBe('Nov 2024');
    expect(formatMonth('2024-13')).toBe('2024-13');
  });

  it('falls back to the system locale for an empty or unknown setting', () => {
    setLocale('');
    const system = currentLocale();
    setLocale('not a locale!');
    expect(currentLocale()).toBe(system);
  });
});
