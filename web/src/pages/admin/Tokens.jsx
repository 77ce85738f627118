// API tokens: my tokens for scripts and integrations. The secret is shown
// once, right after it is made; the server keeps only its hash.
import { useState } from 'preact/hooks';
import * as api from '../../api.js';
import { Dialog } from '../../components/Dialog.jsx';
import { Form, TextField, useForm } from '../../components/Form.jsx';
import { Empty, ErrorNote } from '../../components/Status.jsx';
import { useResource } from '../../hooks.js';
import { formatDateTime, t } from '../../i18n/index.js';

function Secret({ token, onClose }) {
  const [copied, setCopied] = useState(false);
  const copy = () => navigator.clipboard.writeText(token.token).then(() => setCopied(true), () => {});
  return (
    <Dialog title={t('tokens.created', { name: token.name })} onClose={onClose}
      footer={<button type="button" class="btn btn-primary" onClick={onClose}>{t('tokens.done')}</button>}>
      <p>{t('tokens.once')}</p>
      <div class="secret">
        <code data-testid="token-secret">{token.token}</code>
        <button type="button" class="btn btn-small" onClick={copy}>{copied ? t('tokens.copied') : t('tokens.copy')}</button>
      </div>
      <p class="muted">{t('tokens.usage')}</p>
      <pre class="code">curl -H "Authorization: Bearer {token.token}" {location.origin}/api/v1/session</pre>
    </Dialog>
  );
}

export default function Tokens() {
  const res = useResource(() => api.get('/tokens'), []);
  const [fresh, setFresh] = useState(null);
  const [error, setError] = useState(null);
  const form = useForm({ name: '' });
  const create = async (v) => {
    const tok = await api.post('/tokens', { name: v.name.trim() });
    form.setValues({ name: '' });
    setFresh(tok);
    res.reload();
  };
  const revoke = async (tok) => {
    setError(null);
    try { await api.del(`/tokens/${tok.id}`); res.reload(); } catch (err) { setError(err); }
  };
  const items = res.data?.items || [];
  return (
    <div class="page page-narrow">
      <div class="page-head"><h1>{t('nav.tokens')}</h1></div>
      <section class="card">
        <p class="muted">{t('tokens.intro')}</p>
        <Form form={form} onSubmit={create} class="inline-form">
          <TextField form={form} name="name" label={t('tokens.name')} required />
          <button type="submit" class="btn btn-primary" disabled={form.busy}>{t('tokens.create')}</button>
        </Form>
      </section>
      <ErrorNote error={res.error || error} />
      <section class="card">
        {!items.length && !res.loading && <Empty>{t('tokens.none')}</Empty>}
        {items.length > 0 && (
          <table class="table">
            <thead><tr>
              <th scope="col">{t('tokens.name')}</th><th scope="col">{t('tokens.prefix')}</th><th scope="col">{t('tokens.createdAt')}</th>
              <th scope="col"><span class="sr-only">{t('common.actions')}</span></th>
            </tr></thead>
            <tbody>
              {items.map((tok) => (
                <tr key={tok.id}>
                  <th scope="row">{tok.name}</th>
                  <td><code>{tok.prefix}…</code></td>
                  <td>{formatDateTime(tok.created_at)}</td>
                  <td class="row-actions">
                    <button type="button" class="btn btn-small btn-quiet" onClick={() => revoke(tok)}
                      aria-label={t('tokens.revokeNamed', { name: tok.name })}>{t('tokens.revoke')}</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {fresh && <Secret token={fresh} onClose={() => setFresh(null)} />}
    </div>
  );
}
