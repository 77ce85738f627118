// Admin · Products: the price list that deals' line items pick from.
import { useState } from 'preact/hooks';
import * as api from '../../api.js';
import { Dialog } from '../../components/Dialog.jsx';
import { ExportButtons, ImportButton } from '../../components/Export.jsx';
import { CheckField, Form, FormActions, SelectField, TextField, fieldError, useForm } from '../../components/Form.jsx';
import { LoadMore } from '../../components/RecordTable.jsx';
import { Empty, ErrorNote } from '../../components/Status.jsx';
import { usePaged } from '../../hooks.js';
import { formatMoney, moneyText, parseMoney, t } from '../../i18n/index.js';
import { invalidate } from '../../lookups.js';
import { CURRENCIES, DEFAULT_CURRENCY } from '../../model.js';

function ProductForm({ product, onClose, onSaved }) {
  const p = product || {};
  const cur = p.currency || DEFAULT_CURRENCY;
  const form = useForm({
    name: p.name || '', sku: p.sku || '', category: p.category || '', currency: cur,
    list_price: p.list_price !== undefined ? moneyText(p.list_price, cur) : '',
    unit_cost: p.unit_cost != null ? moneyText(p.unit_cost, cur) : '', active: p.active !== false,
  });
  const submit = async (v) => {
    const money = (k, required) => {
      if (!v[k].trim()) { if (required) throw fieldError(k, t('error.required')); return null; }
      const n = parseMoney(v[k], v.currency);
      if (Number.isNaN(n)) throw fieldError(k, t('error.number'));
      return n;
    };
    const body = {
      name: v.name.trim(), sku: v.sku.trim(), category: v.category.trim() || null, active: v.active,
      list_price: money('list_price', true), unit_cost: money('unit_cost', false),
    };
    if (!product) body.currency = v.currency;
    else if (v.currency !== p.currency) body.currency = v.currency;
    onSaved(product ? await api.patch(`/products/${p.id}`, body, p.version) : await api.post('/products', body));
  };
  return (
    <Dialog title={product ? t('products.edit', { name: p.name }) : t('products.new')} onClose={onClose}>
      <Form form={form} onSubmit={submit} class="form form-grid">
        <TextField form={form} name="name" label={t('field.name')} required autoFocus className="span-2" />
        <TextField form={form} name="sku" label={t('products.sku')} required />
        <TextField form={form} name="category" label={t('products.category')} />
        <TextField form={form} name="list_price" label={t('products.listPrice')} inputMode="decimal" required />
        <SelectField form={form} name="currency" label={t('field.currency')} options={CURRENCIES.map((c) => ({ value: c, label: c }))} />
        <TextField form={form} name="unit_cost" label={t('products.unitCost')} inputMode="decimal" />
        <CheckField form={form} name="active" label={t('products.active')} />
        <FormActions form={form} onClose={onClose} label={product ? t('common.save') : undefined} />
      </Form>
    </Dialog>
  );
}

export default function Products() {
  const [editing, setEditing] = useState(null);   // 'new' | product
  const list = usePaged((after) => api.get('/products', { sort: 'name', limit: 100, after }), []);
  const saved = (p) => {
    invalidate('products');
    list.setItems((items) => (items.some((x) => x.id === p.id) ? items.map((x) => (x.id === p.id ? p : x)) : [p, ...items]));
    setEditing(null);
  };
  return (
    <div class="page">
      <div class="page-head">
        <h1>{t('nav.products')}</h1>
        <div class="head-actions">
          <ExportButtons entity="products" params={{ sort: 'name' }} />
          <ImportButton entity="products" />
          <button type="button" class="btn btn-primary" onClick={() => setEditing('new')}>{t('products.new')}</button>
        </div>
      </div>
      <ErrorNote error={list.error} />
      <div class="table-wrap">
        <table class="table">
          <thead><tr>
            <th scope="col">{t('field.name')}</th><th scope="col">{t('products.sku')}</th><th scope="col">{t('products.category')}</th>
            <th scope="col" class="num">{t('products.listPrice')}</th><th scope="col">{t('users.status')}</th>
            <th scope="col"><span class="sr-only">{t('common.actions')}</span></th>
          </tr></thead>
          <tbody>
            {list.items.map((p) => (
              <tr key={p.id} class={p.active === false ? 'inactive' : ''}>
                <th scope="row">{p.name}</th>
                <td><code>{p.sku}</code></td>
                <td>{p.category}</td>
                <td class="num">{formatMoney(p.list_price, p.currency)}</td>
                <td>{p.active === false ? t('products.inactive') : t('products.active')}</td>
                <td class="row-actions">
                  <button type="button" class="btn btn-small btn-quiet" onClick={() => setEditing(p)}
                    aria-label={t('products.edit', { name: p.name })}>{t('common.edit')}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!list.loading && !list.items.length && <Empty>{t('products.none')}</Empty>}
      <LoadMore list={list} />
      {editing && <ProductForm product={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={saved} />}
    </div>
  );
}
