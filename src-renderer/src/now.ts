import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

/**
 * The client clock as a ref, ticking while the component is mounted: countdowns compare the server's
 * ISO times with it. Half-second ticks keep a `mm:ss` display from lagging a whole second behind.
 */
export function useNow(intervalMs = 500): Ref<number> {
  const now = ref(Date.now());
  let timer: ReturnType<typeof setInterval> | null = null;
  onMounted(() => {
    now.value = Date.now();
    timer = setInterval(() => {
      now.value = Date.now();
    }, intervalMs);
  });
  onBeforeUnmount(() => {
    if (timer !== null) clearInterval(timer);
    timer = null;
  });
  return now;
}
