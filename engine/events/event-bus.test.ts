// The event bus: typed subscriptions, per-run filters, and listeners that throw never break emitting.
import { expect, it } from 'vitest';
import type { RunEvent } from '../../app/protocol/run-events.ts';
import { EventBus, type BusEvent } from './event-bus.ts';

const log = (runId: string, line: string): RunEvent => ({ type: 'node.log', runId, at: '2025-01-01T00:00:00.000Z', node: 'n', level: 'info', line });

it('delivers to every listener even when one throws, and reports the throw', () => {
  const errors: unknown[] = [];
  const bus = new EventBus({ onListenerError: (error) => errors.push(error) });
  const seen: string[] = [];
  bus.subscribe(() => {
    throw new Error('listener broke');
  });
  bus.subscribe((event) => seen.push(event.type));
  expect(() => bus.emit(log('r1', 'a'))).not.toThrow();
  expect(seen).toEqual(['node.log']);
  expect(errors).toHaveLength(1);
});

it('filters by type and by run, and unsubscribes', () => {
  const bus = new EventBus();
  const lines: string[] = [];
  const stopped: string[] = [];
  const off = bus.onRun('r1', (event) => event.type === 'node.log' && lines.push(event.line));
  bus.on('service.stopped', (event) => stopped.push(event.service.id));
  bus.emit(log('r1', 'one'));
  bus.emit(log('r2', 'other run'));
  const service = { id: 's1', runId: 'r1', node: 'n', kind: 'k', name: 'x', startedAt: '', status: 'stopped' as const };
  bus.emit({ type: 'service.stopped', at: '', service });
  off();
  bus.emit(log('r1', 'after unsubscribe'));
  expect(lines).toEqual(['one']);
  expect(stopped).toEqual(['s1']);
  expect(bus.listenerCount).toBe(1);
});

it('lets a listener unsubscribe while an event is being delivered', () => {
  const bus = new EventBus();
  const seen: BusEvent[] = [];
  const off = bus.subscribe(() => off());
  bus.subscribe((event) => seen.push(event));
  bus.emit(log('r', 'x'));
  bus.emit(log('r', 'y'));
  expect(seen).toHaveLength(2);
});
