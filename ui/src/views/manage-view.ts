// `#manage-view`: vendors (with the rules that produced them; rename, merge) and the vendor
// and category rules. Every change invalidates the cached data of every view.

import type { Api } from '../api';
import type { Category, CategoryRuleView, RuleMatch, Setting, VendorRuleView, VendorView } from '../generated/api';
import { clear, el, icon } from '../dom';
import { showError } from '../error-banner';
import { categoryLabel } from '../filter';
import { currentLocale, formatAmount, formatCount, formatDate, plural, setLocale, systemLocale } from '../format';
import type { Change, Store } from '../state';
import { toast } from '../toast';

/** Vendors listed at once; a search narrows the rest. */
const VENDOR_LIMIT = 400;

function iconButton(iconName: Parameters<typeof icon>[0], label: string, className = ''): HTMLButtonElement {
  return el(
    'button',
    { class: `icon-button labelled ${className}`.trim(), title: label, attrs: { type: 'button', 'aria-label': label } },
    icon(iconName),
  );
}

/** The backend's locale setting; empty: the system's. */
const LOCALE_SETTING = 'app.locale';

export class ManageView {
  readonly element: HTMLElement;
  readonly #api: Api;
  readonly #store: Store;
  readonly #vendorList: HTMLElement;
  readonly #vendorSearch: HTMLInputElement;
  readonly #vendorCount: HTMLElement;
  readonly #mergeButton: HTMLButtonElement;
  readonly #mergeForm: HTMLFormElement;
  readonly #mergeInto: HTMLInputElement;
  readonly #mergeNames: HTMLElement;
  readonly #mergeOptions: HTMLDataListElement;
  readonly #vendorRules: HTMLElement;
  readonly #categoryRules: HTMLElement;
  readonly #vendorNames: HTMLDataListElement;
  readonly #categorySelect: HTMLSelectElement;
  #vendors: VendorView[] = [];
  #selected = new Set<string>();
  #renaming: string | null = null;
  #active = false;
  #dirty = true;
  #onShowVendor: (name: string) => void;
  readonly #localeSelect: HTMLSelectElement;
  readonly #localeSample: HTMLElement;

  constructor(api: Api, store: Store, onShowVendor: (name: string) => void) {
    this.#api = api;
    this.#store = store;
    this.#onShowVendor = onShowVendor;

    // ---- settings: the locale ----
    this.#localeSelect = el('select', { id: 'setting-locale', class: 'control', attrs: { 'aria-label': 'Language and region' } });
    this.#localeSelect.addEventListener('change', () => void this.#setLocale(this.#localeSelect.value));
    this.#localeSample = el('p', { id: 'setting-locale-sample', class: 'settings-note' });
    const settingsCard = manageCard(
      'settings',
      'Language and region',
      'How amounts, dates and typed numbers are written',
      null,
      el(
        'div',
        { class: 'inline-form settings-body' },
        el(
          'label',
          { class: 'field', attrs: { for: 'setting-locale' } },
          el('span', { class: 'field-label', text: 'Locale' }),
          this.#localeSelect,
        ),
        this.#localeSample,
        el('p', {
          class: 'settings-note',
          attrs: { hidden: api.isDesktop },
          text: 'Changed in the desktop app, or with “coffer settings set app.locale nb-NO”.',
        }),
      ),
    );

    // ---- vendors ----
    this.#vendorSearch = el('input', {
      id: 'vendor-search',
      class: 'control',
      attrs: { type: 'search', placeholder: 'Find a vendor', autocomplete: 'off', spellcheck: 'false' },
    });
    this.#vendorSearch.addEventListener('input', () => this.#renderVendors());
    this.#vendorCount = el('span', { class: 'card-count' });
    this.#mergeButton = el(
      'button',
      { id: 'merge-vendors', class: 'button secondary small', attrs: { type: 'button', disabled: true } },
      icon('merge'),
      el('span', { text: 'Merge into…' }),
    );
    this.#mergeButton.addEventListener('click', () => this.#openMerge());

    this.#mergeOptions = el('datalist', { id: 'merge-into-options' });
    this.#mergeInto = el('input', {
      id: 'merge-into',
      class: 'control',
      attrs: { type: 'text', list: 'merge-into-options', required: true, autocomplete: 'off', spellcheck: 'false' },
    });
    this.#mergeNames = el('p', { class: 'merge-names muted' });
    const mergeCancel = el('button', { class: 'button ghost small', text: 'Cancel', attrs: { type: 'button' } });
    mergeCancel.addEventListener('click', () => this.#closeMerge());
    this.#mergeForm = el(
      'form',
      { id: 'merge-form', class: 'inline-form merge-form', attrs: { hidden: true } },
      this.#mergeNames,
      el(
        'div',
        { class: 'inline-form-row' },
        el('label', { class: 'field grow', attrs: { for: 'merge-into' } }, el('span', { class: 'field-label', text: 'Into' }), this.#mergeInto),
        this.#mergeOptions,
        el('button', { class: 'button primary small', text: 'Merge', attrs: { type: 'submit' } }),
        mergeCancel,
      ),
    );
    this.#mergeForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.#merge();
    });
    this.#mergeForm.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.#closeMerge();
      }
    });

    this.#vendorList = el('ul', { id: 'vendor-list', class: 'vendor-list', attrs: { 'aria-label': 'Vendors' } });
    this.#vendorList.addEventListener('change', (e) => {
      const box = e.target as HTMLInputElement;
      if (!box.classList.contains('vendor-check')) return;
      const name = box.closest<HTMLElement>('[data-vendor]')?.dataset['vendor'];
      if (name === undefined) return;
      if (box.checked) this.#selected.add(name);
      else this.#selected.delete(name);
      box.closest('.vendor-row')?.classList.toggle('selected', box.checked);
      this.#renderSelection();
    });
    this.#vendorList.addEventListener('click', (e) => this.#onVendorClick(e));

    const vendorsCard = manageCard(
      'vendors',
      'Vendors',
      'Recognised in the bank text, with the rules behind each',
      this.#vendorCount,
      el(
        'div',
        { class: 'card-toolbar' },
        el('label', { class: 'field field-search grow', attrs: { for: 'vendor-search' } }, icon('search'), el('span', { class: 'sr-only', text: 'Find a vendor' }), this.#vendorSearch),
        this.#mergeButton,
      ),
      this.#mergeForm,
      this.#vendorList,
    );

    // ---- vendor rules ----
    this.#vendorNames = el('datalist', { id: 'vendor-name-options' });
    this.#vendorRules = el('ul', { id: 'vendor-rules', class: 'rule-list', attrs: { 'aria-label': 'Vendor rules' } });
    this.#vendorRules.addEventListener('click', (e) => void this.#onDeleteRule(e, 'vendor'));
    const vPattern = el('input', {
      id: 'vendor-rule-pattern',
      class: 'control mono',
      attrs: { type: 'text', required: true, placeholder: 'e.g. REMA 1000', autocomplete: 'off', spellcheck: 'false' },
    });
    const vRegex = el('input', { id: 'vendor-rule-regex', attrs: { type: 'checkbox' } });
    const vVendor = el('input', {
      id: 'vendor-rule-vendor',
      class: 'control',
      attrs: { type: 'text', required: true, list: 'vendor-name-options', placeholder: 'Vendor name', autocomplete: 'off' },
    });
    const vendorForm = el(
      'form',
      { id: 'vendor-rule-form', class: 'inline-form rule-form', attrs: { 'aria-label': 'Add a vendor rule' } },
      el(
        'div',
        { class: 'inline-form-row' },
        el('label', { class: 'field grow', attrs: { for: 'vendor-rule-pattern' } }, el('span', { class: 'field-label', text: 'Text' }), vPattern),
        el('label', { class: 'check', attrs: { for: 'vendor-rule-regex' } }, vRegex, el('span', { text: 'Regex' })),
      ),
      el(
        'div',
        { class: 'inline-form-row' },
        el('label', { class: 'field grow', attrs: { for: 'vendor-rule-vendor' } }, el('span', { class: 'field-label', text: 'Vendor' }), vVendor),
        el('button', { class: 'button primary small', attrs: { type: 'submit' } }, icon('plus'), el('span', { text: 'Add rule' })),
      ),
    );
    vendorForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.#write(async () => {
        const pattern = vPattern.value.trim();
        const vendor = vVendor.value.trim();
        if (pattern === '' || vendor === '') return;
        await this.#api.addVendorRule(pattern, vRegex.checked, vendor);
        vPattern.value = '';
        vVendor.value = '';
        vRegex.checked = false;
        toast(`Added a rule: “${pattern}” is ${vendor}`);
      });
    });
    const vendorRulesCard = manageCard(
      'vendor-rules',
      'Vendor rules',
      'Bank text containing the pattern is shown as the vendor',
      null,
      this.#vendorRules,
      vendorForm,
      this.#vendorNames,
    );

    // ---- category rules ----
    this.#categoryRules = el('ul', { id: 'category-rules', class: 'rule-list', attrs: { 'aria-label': 'Category rules' } });
    this.#categoryRules.addEventListener('click', (e) => void this.#onDeleteRule(e, 'category'));
    const cKind = el(
      'select',
      { id: 'category-rule-kind', class: 'control' },
      el('option', { text: 'Vendor is', attrs: { value: 'vendor' } }),
      el('option', { text: 'Text contains', attrs: { value: 'text' } }),
    );
    const cPattern = el('input', {
      id: 'category-rule-pattern',
      class: 'control',
      attrs: { type: 'text', required: true, list: 'vendor-name-options', placeholder: 'Kiwi', autocomplete: 'off', spellcheck: 'false' },
    });
    cKind.addEventListener('change', () => {
      if (cKind.value === 'vendor') cPattern.setAttribute('list', 'vendor-name-options');
      else cPattern.removeAttribute('list');
      cPattern.placeholder = cKind.value === 'vendor' ? 'Kiwi' : 'e.g. PARKERING';
    });
    this.#categorySelect = el('select', { id: 'category-rule-category', class: 'control', attrs: { required: true } });
    const categoryForm = el(
      'form',
      { id: 'category-rule-form', class: 'inline-form rule-form', attrs: { 'aria-label': 'Add a category rule' } },
      el(
        'div',
        { class: 'inline-form-row' },
        el('label', { class: 'field', attrs: { for: 'category-rule-kind' } }, el('span', { class: 'field-label', text: 'When' }), cKind),
        el('label', { class: 'field grow', attrs: { for: 'category-rule-pattern' } }, el('span', { class: 'sr-only', text: 'Pattern' }), cPattern),
      ),
      el(
        'div',
        { class: 'inline-form-row' },
        el('label', { class: 'field grow', attrs: { for: 'category-rule-category' } }, el('span', { class: 'field-label', text: 'Category' }), this.#categorySelect),
        el('button', { class: 'button primary small', attrs: { type: 'submit' } }, icon('plus'), el('span', { text: 'Add rule' })),
      ),
    );
    categoryForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.#write(async () => {
        const pattern = cPattern.value.trim();
        const category = this.#categorySelect.value as Category;
        if (pattern === '' || !category) return;
        await this.#api.addCategoryRule(cKind.value as RuleMatch, pattern, category);
        cPattern.value = '';
        toast(`Added a rule: ${cKind.value === 'vendor' ? pattern : `“${pattern}”`} → ${categoryLabel(category)}`);
      });
    });
    const categoryRulesCard = manageCard(
      'category-rules',
      'Category rules',
      'Written here, or learned when you re-categorise a transaction',
      null,
      this.#categoryRules,
      categoryForm,
    );

    this.element = el(
      'section',
      {
        id: 'manage-view',
        class: 'view-panel manage-view',
        attrs: { role: 'tabpanel', 'aria-labelledby': 'tab-manage', tabindex: -1 },
      },
      el(
        'div',
        { class: 'view-head' },
        el('h1', { class: 'view-title', text: 'Vendors & categories' }),
        el('p', { class: 'view-caption', text: 'Changes apply to every transaction, old and new' }),
      ),
      el('div', { class: 'manage-grid' }, vendorsCard, el('div', { class: 'manage-side' }, vendorRulesCard, categoryRulesCard, settingsCard)),
    );

    store.subscribe((change) => this.#onChange(change));
  }

  setCategories(categories: Category[]): void {
    clear(this.#categorySelect);
    for (const c of categories) {
      this.#categorySelect.appendChild(el('option', { text: categoryLabel(c), attrs: { value: c } }));
    }
  }

  setVendors(vendors: VendorView[]): void {
    this.#vendors = vendors;
    const names = new Set(vendors.map((v) => v.name));
    for (const n of [...this.#selected]) if (!names.has(n)) this.#selected.delete(n);
    clear(this.#vendorNames);
    for (const v of vendors) this.#vendorNames.appendChild(el('option', { attrs: { value: v.name } }));
    this.#renderVendors();
  }

  activate(): void {
    this.#active = true;
    if (this.#dirty) void this.reloadRules();
  }

  deactivate(): void {
    this.#active = false;
  }

  async reloadRules(): Promise<void> {
    this.#dirty = false;
    try {
      const [vendorRules, categoryRules, settings] = await Promise.all([
        this.#api.vendorRules(),
        this.#api.categoryRules(),
        this.#api.settings(),
      ]);
      this.#renderVendorRules(vendorRules);
      this.#renderCategoryRules(categoryRules);
      this.#renderLocale(settings.find((s) => s.key === LOCALE_SETTING));
    } catch (error) {
      showError(error);
    }
  }

  /** The locale choice list, from the backend's setting (its values are all it accepts). */
  #renderLocale(setting: Setting | undefined): void {
    clear(this.#localeSelect);
    for (const c of setting?.choices ?? []) {
      const label = c.value === '' ? `${c.label} (${systemLocale()})` : c.label;
      this.#localeSelect.appendChild(el('option', { text: label, attrs: { value: c.value } }));
    }
    this.#localeSelect.value = setting?.value ?? '';
    this.#localeSelect.disabled = !this.#api.isDesktop;
    this.#localeSample.textContent = `${formatAmount('1657398.13', 'NOK')} · ${formatDate('2026-12-04')} (${currentLocale()})`;
  }

  async #setLocale(value: string): Promise<void> {
    try {
      const saved = await this.#api.setSetting(LOCALE_SETTING, value === '' ? null : value);
      setLocale(saved.value);
      // Every amount and date on screen was written in the old locale: start again.
      window.location.reload();
    } catch (error) {
      showError(error);
    }
  }

  #onChange(change: Change): void {
    if (!change.dataChanged) return;
    if (this.#active) void this.reloadRules();
    else this.#dirty = true;
  }

  /** Runs a change; afterwards every view reloads (vendor names and categories may have moved). */
  async #write(action: () => Promise<void>): Promise<boolean> {
    try {
      await action();
      this.#store.invalidate();
      return true;
    } catch (error) {
      showError(error);
      return false;
    }
  }

  #renderVendors(): void {
    const query = this.#vendorSearch.value.trim().toLocaleLowerCase();
    const matches = query
      ? this.#vendors.filter(
          (v) => v.name.toLocaleLowerCase().includes(query) || v.aliases.some((a) => a.toLocaleLowerCase().includes(query)),
        )
      : this.#vendors;
    const fragment = document.createDocumentFragment();
    for (const v of matches.slice(0, VENDOR_LIMIT)) fragment.appendChild(this.#vendorRow(v));
    if (matches.length === 0) {
      fragment.appendChild(el('li', { class: 'list-empty', text: query ? 'No vendor matches.' : 'No vendors yet.' }));
    } else if (matches.length > VENDOR_LIMIT) {
      fragment.appendChild(
        el('li', { class: 'list-empty', text: `Showing ${formatCount(VENDOR_LIMIT)} of ${formatCount(matches.length)} — type to narrow.` }),
      );
    }
    clear(this.#vendorList);
    this.#vendorList.appendChild(fragment);
    this.#vendorCount.textContent = plural(this.#vendors.length, 'vendor', 'vendors');
    this.#renderSelection();
  }

  #vendorRow(v: VendorView): HTMLLIElement {
    const selected = this.#selected.has(v.name);
    const check = el('input', {
      class: 'vendor-check',
      attrs: { type: 'checkbox', 'aria-label': `Select ${v.name}`, checked: selected },
    });
    const rules = el('span', { class: 'vendor-rules' });
    for (const r of v.rules) rules.appendChild(el('span', { class: 'rule-tag', text: r }));
    const meta = el('span', { class: 'vendor-meta' }, rules);
    if (v.aliases.length > 0) {
      meta.appendChild(el('span', { class: 'vendor-aliases', text: `Also: ${v.aliases.join(', ')}`, title: v.aliases.join('\n') }));
    }

    let name: HTMLElement;
    if (this.#renaming === v.name) {
      const input = el('input', {
        class: 'control rename-input',
        attrs: { type: 'text', value: v.name, 'aria-label': `New name for ${v.name}`, required: true, spellcheck: 'false' },
      });
      const cancel = el('button', { class: 'button ghost small', text: 'Cancel', attrs: { type: 'button' } });
      const form = el(
        'form',
        { class: 'rename-form' },
        input,
        el('button', { class: 'button primary small', text: 'Save', attrs: { type: 'submit' } }),
        cancel,
      );
      cancel.addEventListener('click', () => this.#stopRename());
      form.addEventListener('keydown', (e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          this.#stopRename();
        }
      });
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        void this.#rename(v.name, input.value.trim());
      });
      name = form;
      queueMicrotask(() => {
        input.focus();
        input.select();
      });
    } else {
      name = el('span', { class: 'vendor-name', text: v.name, title: v.name });
    }

    return el(
      'li',
      { class: `vendor-row${selected ? ' selected' : ''}`, data: { vendor: v.name, transactions: v.transactions } },
      check,
      el('span', { class: 'vendor-main' }, name, meta),
      el('span', { class: 'vendor-count', text: formatCount(v.transactions), title: plural(v.transactions, 'transaction', 'transactions') }),
      el(
        'span',
        { class: 'vendor-actions' },
        this.#renaming === v.name ? null : iconButton('pencil', `Rename ${v.name}`, 'rename-vendor'),
        iconButton('list', `Show transactions from ${v.name}`, 'show-vendor'),
      ),
    );
  }

  #onVendorClick(event: Event): void {
    const target = event.target as Element | null;
    const name = target?.closest<HTMLElement>('[data-vendor]')?.dataset['vendor'];
    if (name === undefined) return;
    if (target?.closest('.rename-vendor')) {
      this.#renaming = name;
      this.#renderVendors();
    } else if (target?.closest('.show-vendor')) {
      this.#onShowVendor(name);
    }
  }

  #stopRename(): void {
    const name = this.#renaming;
    this.#renaming = null;
    this.#renderVendors();
    if (name !== null) {
      this.#vendorList
        .querySelector<HTMLButtonElement>(`[data-vendor="${CSS.escape(name)}"] .rename-vendor`)
        ?.focus();
    }
  }

  async #rename(from: string, to: string): Promise<void> {
    if (to === '' || to === from) {
      this.#stopRename();
      return;
    }
    await this.#write(async () => {
      const changed = await this.#api.renameVendor(from, to);
      this.#renaming = null;
      this.#selected.delete(from);
      this.#replaceInFilter([from], to);
      toast(`Renamed ${from} to ${to} (${plural(changed, 'transaction', 'transactions')})`);
    });
  }

  #renderSelection(): void {
    const n = this.#selected.size;
    this.#mergeButton.disabled = n < 2;
    const label = this.#mergeButton.querySelector('span');
    if (label) label.textContent = n >= 2 ? `Merge ${n} into…` : 'Merge into…';
    if (n < 2 && !this.#mergeForm.hidden) this.#closeMerge();
  }

  #openMerge(): void {
    const names = [...this.#selected];
    if (names.length < 2) return;
    // The busiest of the chosen vendors is the natural name to keep.
    const byCount = [...names].sort(
      (a, b) => (this.#vendors.find((v) => v.name === b)?.transactions ?? 0) - (this.#vendors.find((v) => v.name === a)?.transactions ?? 0),
    );
    this.#mergeNames.textContent = `Merging ${names.join(', ')}`;
    clear(this.#mergeOptions);
    for (const n of byCount) this.#mergeOptions.appendChild(el('option', { attrs: { value: n } }));
    this.#mergeInto.value = byCount[0] ?? '';
    this.#mergeForm.hidden = false;
    this.#mergeInto.focus();
    this.#mergeInto.select();
  }

  #closeMerge(): void {
    this.#mergeForm.hidden = true;
    this.#mergeButton.focus();
  }

  async #merge(): Promise<void> {
    const names = [...this.#selected];
    const into = this.#mergeInto.value.trim();
    if (names.length < 2 || into === '') return;
    await this.#write(async () => {
      const changed = await this.#api.mergeVendors(names, into);
      this.#selected.clear();
      this.#mergeForm.hidden = true;
      this.#replaceInFilter(names, into);
      toast(`Merged ${plural(names.length, 'vendor', 'vendors')} into ${into} (${plural(changed, 'transaction', 'transactions')})`);
    });
  }

  /** A vendor in the filter that was renamed or merged is followed to its new name. */
  #replaceInFilter(old: string[], to: string): void {
    const vendors = this.#store.filter.vendors;
    if (!vendors.some((v) => old.includes(v))) return;
    const next = [...new Set(vendors.map((v) => (old.includes(v) ? to : v)))];
    this.#store.setFilter({ vendors: next });
  }

  #renderVendorRules(rules: VendorRuleView[]): void {
    const fragment = document.createDocumentFragment();
    for (const r of rules) {
      fragment.appendChild(
        el(
          'li',
          { class: 'rule-row', data: { ruleId: r.id } },
          el(
            'span',
            { class: 'rule-body' },
            el('code', { class: 'rule-pattern', text: r.pattern }),
            r.is_regex ? el('span', { class: 'badge badge-muted', text: 'regex' }) : null,
            el('span', { class: 'rule-arrow', text: '→', attrs: { 'aria-hidden': 'true' } }),
            el('span', { class: 'rule-target', text: r.vendor }),
          ),
          el('span', { class: 'rule-id muted', text: `user:${r.id}` }),
          iconButton('trash', `Delete the rule “${r.pattern}” → ${r.vendor}`, 'delete-rule danger'),
        ),
      );
    }
    if (rules.length === 0) {
      fragment.appendChild(el('li', { class: 'list-empty', text: 'No vendor rules yet. Built-in rules still apply.' }));
    }
    clear(this.#vendorRules);
    this.#vendorRules.appendChild(fragment);
  }

  #renderCategoryRules(rules: CategoryRuleView[]): void {
    const fragment = document.createDocumentFragment();
    for (const r of rules) {
      fragment.appendChild(
        el(
          'li',
          { class: 'rule-row', data: { ruleId: r.id, learned: String(r.learned) } },
          el(
            'span',
            { class: 'rule-body' },
            el('span', { class: 'rule-kind muted', text: r.match_kind === 'vendor' ? 'Vendor' : 'Text' }),
            r.match_kind === 'vendor'
              ? el('span', { class: 'rule-pattern', text: r.pattern })
              : el('code', { class: 'rule-pattern', text: r.pattern }),
            el('span', { class: 'rule-arrow', text: '→', attrs: { 'aria-hidden': 'true' } }),
            el('span', { class: 'chip', text: categoryLabel(r.category) }),
            r.learned ? el('span', { class: 'badge badge-learned', text: 'learned', title: 'Learned when you re-categorised a transaction' }) : null,
          ),
          iconButton('trash', `Delete the rule ${r.pattern} → ${categoryLabel(r.category)}`, 'delete-rule danger'),
        ),
      );
    }
    if (rules.length === 0) {
      fragment.appendChild(el('li', { class: 'list-empty', text: 'No category rules yet. Re-categorise a transaction to teach one.' }));
    }
    clear(this.#categoryRules);
    this.#categoryRules.appendChild(fragment);
  }

  async #onDeleteRule(event: Event, kind: 'vendor' | 'category'): Promise<void> {
    const button = (event.target as Element | null)?.closest<HTMLButtonElement>('.delete-rule');
    const id = Number(button?.closest<HTMLElement>('[data-rule-id]')?.dataset['ruleId']);
    if (!button || !Number.isInteger(id)) return;
    button.disabled = true;
    const ok = await this.#write(async () => {
      if (kind === 'vendor') await this.#api.deleteVendorRule(id);
      else await this.#api.deleteCategoryRule(id);
      toast('Rule deleted');
    });
    if (!ok) button.disabled = false;
  }
}

/** A card of the management view: `#<id>-card`, titled by `#<id>-title`. */
function manageCard(
  id: string,
  title: string,
  subtitle: string,
  aside: HTMLElement | null,
  ...body: HTMLElement[]
): HTMLElement {
  return el(
    'section',
    { id: `${id}-card`, class: 'card manage-card', attrs: { 'aria-labelledby': `${id}-title` } },
    el(
      'div',
      { class: 'card-header' },
      el(
        'div',
        { class: 'card-heading' },
        el('h2', { id: `${id}-title`, class: 'card-title', text: title }),
        el('p', { class: 'content-subtitle', text: subtitle }),
      ),
      aside,
    ),
    ...body,
  );
}
