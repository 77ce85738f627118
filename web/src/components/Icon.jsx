// Icon: the few line icons the navigation uses (24x24, drawn with the text colour).
const PATHS = {
  home: 'M3 11l9-7 9 7M5 10v10h5v-6h4v6h5V10',
  board: 'M4 4h4v16H4zM10 4h4v10h-4zM16 4h4v13h-4z',
  deals: 'M4 6h16M4 12h16M4 18h10',
  accounts: 'M4 20V6l8-3 8 3v14M9 20v-5h6v5M8 9h.01M12 9h.01M16 9h.01',
  contacts: 'M12 12a4 4 0 100-8 4 4 0 000 8zM4 20c1-4 4-6 8-6s7 2 8 6',
  tasks: 'M9 11l3 3 8-8M20 12v7a1 1 0 01-1 1H5a1 1 0 01-1-1V5a1 1 0 011-1h11',
  settings: 'M12 15a3 3 0 100-6 3 3 0 000 6zM19 12l2-1-1-3-2 .2-1.5-1.5L16.7 4l-3-1-1 2h-1.4l-1-2-3 1 .2 2.7L6 8.2 4 8l-1 3 2 1v1.4l-2 1 1 3 2.2-.2 1.5 1.5-.2 2.3 3 1 1-2h1.4l1 2 3-1-.2-2.3 1.5-1.5 2.2.2 1-3-2-1z',
  menu: 'M4 6h16M4 12h16M4 18h16',
  leads: 'M4 4h16l-6 8v6l-4 2v-8z',
  analytics: 'M4 20h16M6 16v-4M10 16V8M14 16v-6M18 16V5',
  compliance: 'M12 3l7 3v6c0 4-3 7-7 9-4-2-7-5-7-9V6zM9 12l2 2 4-4',
  import: 'M12 4v11M7 10l5 5 5-5M5 20h14',
};

export const Icon = ({ name }) => (
  <svg class="icon" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="1.8"
    stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">
    <path d={PATHS[name]} />
  </svg>
);
