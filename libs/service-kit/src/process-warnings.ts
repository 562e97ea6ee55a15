import type { Logger } from './telemetry';

/**
 * Process warnings go to the JSON log instead of raw stderr. kafkajs 2.2.4 schedules a negative timeout on
 * every connect under Node 24 (tulios/kafkajs#1751, unfixed upstream); Node clamps it to 1 ms, so that one
 * warning is only noise and is dropped.
 */
export function routeProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning' && warning.stack?.includes('kafkajs')) return;
    logger.warn({ warning: warning.name, stack: warning.stack }, warning.message);
  });
}
