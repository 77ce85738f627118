// Admin · Lead forms: the public web forms leads come in through. Each has a
// submit URL with a random token; the page gives a ready HTML form to paste
// into the company's web site (with the hidden honeypot field bots fill in).
import { useState } from 'preact/hooks';
import * as api from '../../api.js';
import { CheckField, Form, TextField, useForm } from '../../components/Form.jsx';
import { Empty, ErrorNote, Spinner } from '../../components/Status.jsx';
import { useResource } from '../../hooks.js';
import { formatDate, t } from '../../i18n/index.js';
import { CellInput } from '../../components/CellInput.jsx';

/** A copy button: the text goes to the clipboard, the button says so for a moment. */
export function CopyButton({ text, label }) {
  const [copied, setCopied] = useState(false);
  const copy = () => navigator.clipboard.writeText(text).then(() => {
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  }, () => {});
  return (
    <button type="button" class="btn btn-small" onClick={copy} aria-label={label}>
      {copied ? t('tokens.copied') : t('tokens.copy')}
    </button>
  );
}

/** The HTML a web site pastes in. Labels are in the admin's language; the honeypot stays empty for people. */
export function snippet(action) {
  const row = (name, label, type = 'text', extra = '') =>
    `  <p><label>${label}<br><input type="${type}" name="${name}"${extra}></label></p>`;
  return [
    `<form action="${action}" method="post" accept-charset="utf-8">`,
    row('name', t('field.name'), 'text', ' required maxlength="120"'),
    row('company', t('field.company')),
    row('email', t('field.email'), 'email'),
    row('phone', t('field.phone'), 'tel'),
    `  <p><label>${t('activity.notes')}<br><textarea name="notes" maxlength="5000"></textarea></label></p>`,
    `  <!-- ${t('leadForms.honeypotComment')} -->`,
    '  <div style="position:absolute;left:-9999px" aria-hidden="true"><input type="text" name="website" tabindex="-1" autocomplete="off"></div>',
    `  <p><button type="submit">${t('leadForms.send')}</button></p>`,
    '</form>',
  ].join('\n');
}

function FormCard({ f, onChanged }) {
  const [error, setError] = useState(null);
  const run = (p) => { setError(null); return p.then(onChanged, (err) => { setError(err); throw err; }); };
  const patch = (changes) => run(api.patch(`/lead-forms/${f.id}`, changes, f.version));
  const action = location.origin + f.submit_path;
  const html = snippet(action);
  return (
    <section class="card lead-form" aria-labelledby={`form-${f.id}`}>
      <div class="card-head">
        <h2 id={`form-${f.id}`} class="card-title">{f.name}{!f.active && <span class="badge badge-lost">{t('leadForms.off')}</span>}</h2>
        <div class="head-actions">
          <button type="button" class="btn btn-small btn-quiet" aria-label={t('leadForms.deleteNamed', { name: f.name })}
            onClick={() => run(api.del(`/lead-forms/${f.id}`)).catch(() => {})}>{t('common.delete')}</button>
        </div>
      </div>
      <ErrorNote error={error} />
      <div class="form-settings">
        <label class="filter">
          <span>{t('field.name')}</span>
          <CellInput key={f.version} value={f.name} label={t('field.name')} onSave={(name) => patch({ name })} />
        </label>
        <label class="filter">
          <span>{t('leadForms.defaultSource')}</span>
          <CellInput key={f.version} value={f.default_source} label={t('leadForms.defaultSource')}
            onSave={(v) => patch({ default_source: v || null })} />
        </label>
        <label class="check">
          <input type="checkbox" checked={f.active} onChange={(e) => patch({ active: e.currentTarget.checked }).catch(() => {})} />
          {t('leadForms.active')}
        </label>
      </div>
      <h3 class="sub-title">{t('leadForms.submitUrl')}</h3>
      <div class="secret">
        <code data-testid="submit-url">{action}</code>
        <CopyButton text={action} label={t('leadForms.copyUrl')} />
      </div>
      <p class="muted">{t('leadForms.token')}: <code data-testid="form-token">{f.token}</code> · {t('leadForms.createdOn', { date: formatDate(f.created_at) })}</p>
      <details class="snippet">
        <summary>{t('leadForms.snippet')}</summary>
        <p class="muted">{t('leadForms.snippetHint')}</p>
        <pre class="code" data-testid="form-snippet">{html}</pre>
        <CopyButton text={html} label={t('leadForms.copySnippet')} />
      </details>
    </section>
  );
}

export default function LeadForms() {
  const res = useResource(() => api.getAll('/lead-forms', { sort: 'name' }), []);
  const form = useForm({ name: '', default_source: 'website', active: true });
  const create = async (v) => {
    await api.post('/lead-forms', { name: v.name.trim(), default_source: v.default_source.trim() || null, active: v.active });
    form.setValues({ name: '', default_source: 'website', active: true });
    res.reload();
  };
  return (
    <div class="page page-narrow page-wide-ish">
      <div class="page-head">
        <div>
          <h1>{t('nav.leadForms')}</h1>
          <p class="page-sub">{t('leadForms.intro')}</p>
        </div>
      </div>
      <section class="card" aria-labelledby="new-form-h">
        <h2 id="new-form-h" class="card-title">{t('leadForms.new')}</h2>
        <Form form={form} onSubmit={create} class="inline-form">
          <TextField form={form} name="name" label={t('field.name')} required />
          <TextField form={form} name="default_source" label={t('leadForms.defaultSource')} />
          <CheckField form={form} name="active" label={t('leadForms.active')} />
          <button type="submit" class="btn btn-primary" disabled={form.busy}>{t('common.create')}</button>
        </Form>
      </section>
      <ErrorNote error={res.error} />
      {!res.data && !res.error && <Spinner />}
      {res.data && !res.data.length && <Empty>{t('leadForms.none')}</Empty>}
      {res.data?.map((f) => <FormCard key={f.id} f={f} onChanged={res.reload} />)}
    </div>
  );
}
