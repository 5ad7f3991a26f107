import { createRouter, createWebHashHistory, type Router } from 'vue-router';
import { useSessionStore } from './stores/session';
import SearchView from './views/SearchView.vue';
import SignInView from './views/SignInView.vue';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable only with a signed-in operator. */
    requiresAuth?: boolean;
    /** The sign-in page: a signed-in operator goes on to the search. */
    guestOnly?: boolean;
    /** Desk work (operator, supervisor): an auditor goes to the audit view. */
    desk?: boolean;
    /** The audit view (supervisor, auditor). */
    audit?: boolean;
    /** The dashboards (supervisor, auditor). */
    dashboards?: boolean;
  }
}

/** Hash history: the page is one file (app://helpdesk/index.html, or / in the web harness); the route lives in the hash. */
export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/', redirect: { name: 'search' } },
      { path: '/signin', name: 'signin', component: SignInView, meta: { guestOnly: true } },
      // `id` is the opaque account id (its DN), URL-encoded by the router.
      { path: '/search/:id?', name: 'search', component: SearchView, meta: { requiresAuth: true, desk: true } },
      {
        path: '/audit',
        name: 'audit',
        component: () => import('./views/AuditView.vue'),
        meta: { requiresAuth: true, audit: true },
      },
      // Loaded with its charts (chart.js) only when opened: nothing of it is in the initial bundle.
      {
        path: '/dashboards',
        name: 'dashboards',
        component: () => import('./views/DashboardsView.vue'),
        meta: { requiresAuth: true, dashboards: true },
      },
      // Always reachable: the main process decides who may change what.
      // Training mode only (the view says so otherwise): what the training relays "sent".
      {
        path: '/outbox',
        name: 'outbox',
        component: () => import('./views/OutboxView.vue'),
        meta: { requiresAuth: true, desk: true },
      },
      { path: '/settings', name: 'settings', component: () => import('./views/SettingsView.vue') },
      { path: '/:rest(.*)*', redirect: { name: 'search' } },
    ],
  });

  router.beforeEach(async (to) => {
    const session = useSessionStore();
    await session.ensureLoaded();
    if (to.meta.requiresAuth && !session.signedIn) {
      return { name: 'signin', query: to.fullPath !== '/search' ? { next: to.fullPath } : {} };
    }
    if (to.meta.guestOnly && session.signedIn) return { name: 'search' };
    const desk = session.allows('directory', 'search');
    const audit = session.allows('audit', 'query');
    // An auditor's home is the audit view; a role with neither gets the search page's notice.
    if (to.meta.desk && !desk) return audit ? { name: 'audit' } : to.name === 'search' ? true : { name: 'search' };
    if (to.meta.audit && !audit) return { name: 'search' };
    if (to.meta.dashboards && !session.allows('dashboards', 'scanStart')) return { name: 'search' };
    return true;
  });

  return router;
}
