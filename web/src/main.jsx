// main.jsx: start the app. Who is logged in is asked at once (and on the
// board, the board too); the App shows the login page or the requested page.
import { render } from 'preact';
import { App } from './app.jsx';
import { prefetchBoard } from './pages/Board.jsx';
import { restore } from './session.js';
import './styles/app.css';

restore();
if (location.pathname === '/board') prefetchBoard();
render(<App />, document.getElementById('app'));
