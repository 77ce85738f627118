// LineItems: a deal's products. Totals are computed here with the server's
// rounding rule as the user types; once saved, the server's figures are shown
// and the deal's amount becomes their sum.
import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { useResource } from '../hooks.js';
import { formatBp, formatMoney, moneyText, parseMoney, parsePercent, percentText, reasonText, t } from '../i18n/index.js';
import { useLookup } from '../lookups.js';
import { lineTotal } from '../model.js';
import { Form, fieldError, useForm } from './Form.jsx';
import { ErrorNote, Spinner } from './Status.jsx';

/** Form text -> API numbers; throws a field error for what does not parse. */
function parseLine(v, currency) {
  const quantity = /^\s*\d+\s*$/.test(v.quantity) ? Number(v.quantity) : NaN;
  if (!Number.isSafeInteger(quantity) || quantity < 1) throw fieldError('quantity', t('error.atLeastOne'));
  const unit_price = parseMoney(v.unit_price, currency);
  if (Number.isNaN(unit_price)) throw fieldError('unit_price', t('error.number'));
  const discount_bp = v.discount_bp.trim() ? parsePercent(v.discount_bp) : 0;
  if (Number.isNaN(discount_bp) || discount_bp > 10000) throw fieldError('discount_bp', t('error.percent'));
  return { product_id: v.product_id, quantity, unit_price, discount_bp };
}

/** The line total the typed values would give, or null while they do not parse. */
function preview(v, currency) {
  try { const p = parseLine(v, currency); return lineTotal(p.quantity, p.unit_price, p.discount_bp); } catch { return null; }
}

/** One editable line: the inputs of the add row and of a row being edited. */
function LineInputs({ form, products, currency, autoFocus }) {
  const err = (f) => form.errors[f] && <p class="field-error">{reasonText(form.errors[f])}</p>;
  const pick = (e) => {
    const id = Number(e.currentTarget.value) || null;
    const p = products.find((x) => x.id === id);
    form.setValues((v) => ({ ...v, product_id: id, unit_price: p && p.currency === currency ? moneyText(p.list_price, currency) : v.unit_price }));
  };
  const input = (name, label, mode) => (
    <input type="text" inputMode={mode} value={form.values[name]} aria-label={label} data-field={name}
      aria-invalid={form.errors[name] ? 'true' : undefined} onInput={(e) => form.set(name, e.currentTarget.value)} />
  );
  const total = preview(form.values, currency);
  return (
    <>
      <td data-label={t('lineItems.product')}>
        <select value={form.values.product_id ?? ''} onChange={pick} aria-label={t('lineItems.product')} data-field="product_id"
          aria-invalid={form.errors.product_id ? 'true' : undefined} autoFocus={autoFocus}>
          <option value="">{t('lineItems.chooseProduct')}</option>
          {products.map((p) => <option key={p.id} value={p.id}>{p.name}{p.sku ? ` (${p.sku})` : ''}</option>)}
        </select>
        {err('product_id')}
      </td>
      <td class="num" data-label={t('lineItems.quantity')}>{input('quantity', t('lineItems.quantity'), 'numeric')}{err('quantity')}</td>
      <td class="num" data-label={t('lineItems.unitPrice')}>{input('unit_price', t('lineItems.unitPrice'), 'decimal')}{err('unit_price')}</td>
      <td class="num" data-label={t('lineItems.discount')}>{input('discount_bp', t('lineItems.discount'), 'decimal')}{err('discount_bp')}</td>
      <td class="num" data-label={t('lineItems.total')}>{total === null ? '—' : formatMoney(total, currency)}</td>
    </>
  );
}

// the form holds the typed text under the API's field names, so the server's errors land on their inputs
const blank = { product_id: null, quantity: '1', unit_price: '', discount_bp: '' };
const asForm = (it, currency) => ({
  product_id: it.product_id, quantity: String(it.quantity), unit_price: moneyText(it.unit_price, currency),
  discount_bp: it.discount_bp ? percentText(it.discount_bp) : '',
});

function EditRow({ item, products, currency, onSaved, onCancel }) {
  const form = useForm(asForm(item, currency));
  const save = async (v) => onSaved(await api.patch(`/line-items/${item.id}`, parseLine(v, currency), item.version));
  // Enter saves this row (and must not submit the add-row form around the table)
  const enter = (e) => {
    if (e.key === 'Enter' && e.target.tagName === 'INPUT' && !e.isComposing) { e.preventDefault(); form.submit(save); }
  };
  return (
    <tr class="editing" onKeyDown={enter}>
      <LineInputs form={form} products={products} currency={currency} autoFocus />
      <td class="row-actions">
        <button type="button" class="btn btn-small btn-primary" disabled={form.busy} onClick={() => form.submit(save)}>{t('common.save')}</button>
        <button type="button" class="btn btn-small" onClick={onCancel}>{t('common.cancel')}</button>
        {form.formError && <p class="field-error">{form.formError}</p>}
      </td>
    </tr>
  );
}

export function LineItems({ opp, canEdit, onChanged }) {
  const currency = opp.currency;
  const res = useResource(() => api.get(`/opportunities/${opp.id}/line-items`), [opp.id]);
  const products = useLookup('products').filter((p) => p.active !== false);
  const [editing, setEditing] = useState(null);
  const [error, setError] = useState(null);
  const form = useForm(blank);

  const changed = () => { res.reload(); onChanged(); };
  const add = async (v) => {
    await api.post(`/opportunities/${opp.id}/line-items`, parseLine(v, currency));
    form.setValues(blank);
    changed();
  };
  const remove = async (it) => {
    setError(null);
    try { await api.del(`/line-items/${it.id}`); changed(); } catch (err) { setError(err); }
  };

  if (!res.data) return res.error ? <ErrorNote error={res.error} /> : <Spinner />;
  const items = res.data.items;
  const sum = items.reduce((n, it) => n + it.total, 0);
  return (
    <div class="line-items">
      <ErrorNote error={error} />
      <Form form={form} onSubmit={add} class="form-table">
        <div class="table-wrap">
        <table class="table table-lines">
          <colgroup>
            <col /><col class="col-qty" /><col class="col-price" /><col class="col-disc" /><col class="col-total" /><col class="col-actions" />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">{t('lineItems.product')}</th><th scope="col" class="num">{t('lineItems.quantity')}</th>
              <th scope="col" class="num">{t('lineItems.unitPrice')}</th><th scope="col" class="num">{t('lineItems.discount')}</th>
              <th scope="col" class="num">{t('lineItems.total')}</th><th scope="col"><span class="sr-only">{t('common.actions')}</span></th>
            </tr>
          </thead>
          <tbody>
            {items.map((it) => (editing === it.id ? (
              <EditRow key={it.id} item={it} products={products} currency={currency}
                onSaved={() => { setEditing(null); changed(); }} onCancel={() => setEditing(null)} />
            ) : (
              <tr key={it.id}>
                <td data-label={t('lineItems.product')}>{it.product_name}</td>
                <td class="num" data-label={t('lineItems.quantity')}>{it.quantity}</td>
                <td class="num" data-label={t('lineItems.unitPrice')}>{formatMoney(it.unit_price, currency)}</td>
                <td class="num" data-label={t('lineItems.discount')}>{it.discount_bp ? formatBp(it.discount_bp) : '—'}</td>
                <td class="num" data-label={t('lineItems.total')}>{formatMoney(it.total, currency)}</td>
                <td class="row-actions">
                  {canEdit && <>
                    <button type="button" class="btn-icon" onClick={() => setEditing(it.id)} title={t('common.edit')}
                      aria-label={t('lineItems.editLine', { name: it.product_name })}>✎</button>
                    <button type="button" class="btn-icon" onClick={() => remove(it)} title={t('common.remove')}
                      aria-label={t('lineItems.removeLine', { name: it.product_name })}>✕</button>
                  </>}
                </td>
              </tr>
            )))}
            {canEdit && (
              <tr class="add-row">
                <LineInputs form={form} products={products} currency={currency} />
                <td class="row-actions"><button type="submit" class="btn btn-small btn-primary" disabled={form.busy}>{t('lineItems.add')}</button></td>
              </tr>
            )}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={4}>{t('lineItems.sum')}</th>
              <td class="num strong" data-testid="line-sum">{formatMoney(sum, currency)}</td>
              <td />
            </tr>
          </tfoot>
        </table>
        </div>
      </Form>
      {!items.length && <p class="muted">{t('lineItems.none')}</p>}
    </div>
  );
}
