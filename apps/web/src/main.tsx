import './no-eval.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { loadStoredUser, startSession } from './session.js';

// The session starts outside React, once (StrictMode runs state initialisers twice in development).
const storedUser = loadStoredUser();
const initialSession = storedUser ? startSession(storedUser) : null;

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');
createRoot(container).render(
  <StrictMode>
    <App initialSession={initialSession} />
  </StrictMode>,
);
