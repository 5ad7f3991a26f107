import { watch } from 'vue';
import { useRouter } from 'vue-router';
import { useSessionStore } from './stores/session';

/** For views that need a session: when it ends (signed out, settings changed), go to the sign-in page. */
export function leaveWhenSignedOut(): void {
  const session = useSessionStore();
  const router = useRouter();
  watch(
    () => session.signedIn,
    (signedIn) => {
      if (!signedIn) void router.replace({ name: 'signin' });
    },
  );
}
