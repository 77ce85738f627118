// Login: email and password, and the language to use before anyone is known
// (the browser's, unless picked here; a pick is saved to the user on login).
import { useId } from 'preact/hooks';
import { Form, TextField, fieldError, useForm } from '../components/Form.jsx';
import { LOCALES, currentLocale, t } from '../i18n/index.js';
import { login, updateMe } from '../session.js';
import { observable, useObservable } from '../store.js';

const KEY = 'cylinder.locale';
/** The language picked on this page (remembered by the browser), or null. */
export const chosenLocale = observable(localStorage.getItem(KEY));

export default function Login() {
  const picked = useObservable(chosenLocale);
  const form = useForm({ email: '', password: '' });
  const langId = useId();

  const pick = (code) => {
    localStorage.setItem(KEY, code);
    chosenLocale.set(code);
  };
  const submit = async (v) => {
    let user;
    try {
      user = await login(v.email.trim(), v.password);
    } catch (err) {
      if (err.status === 401) throw fieldError('password', t('login.failed'));
      throw err;
    }
    if (picked && picked !== user.locale) await updateMe({ locale: picked });
  };

  return (
    <div class="login">
      <div class="login-card">
        <div class="brand brand-login"><span class="brand-mark" aria-hidden="true" />Cylinder</div>
        <h1>{t('login.title')}</h1>
        <Form form={form} onSubmit={submit}>
          <TextField form={form} name="email" type="email" label={t('login.email')} autocomplete="username" autoFocus required />
          <TextField form={form} name="password" type="password" label={t('login.password')} autocomplete="current-password" required />
          <button type="submit" class="btn btn-primary btn-block" disabled={form.busy}>{t('login.submit')}</button>
        </Form>
        <div class="login-lang">
          <label for={langId}>{t('user.language')}</label>
          <select id={langId} value={currentLocale()} onChange={(e) => pick(e.currentTarget.value)}>
            {LOCALES.map((l) => <option key={l.code} value={l.code} lang={l.code}>{l.name}</option>)}
          </select>
        </div>
      </div>
    </div>
  );
}
