// Unit tests write their expected text in en-GB ("27 Mar 2026", "1,234.50 NOK"), whatever
// locale the machine running them has; tests of other locales switch with setLocale.
import { beforeEach } from 'vitest';
import { setLocale } from '../format';

beforeEach(() => setLocale('en-GB'));
