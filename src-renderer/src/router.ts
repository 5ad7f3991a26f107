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
    /** Desk work (operator, supervisor): another role goes to the search page, which says what the role is for. */
    desk?: boolean;
  }
}

/** Hash history: the Electron build loads index.html from file://. */
export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/', redirect: { name: 'search' } },
      { path: '/signin', name: 'signin', component: SignInView, meta: { guestOnly: true } },
      // `id` is the opaque account id (its DN), URL-encoded by the router.
      { path: '/search/:id?', name: 'search', component: SearchView, meta: { requiresAuth: true } },
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
    if (to.meta.desk && !session.allows('directory', 'search')) return { name: 'search' };
    return true;
  });

  return router;
}
