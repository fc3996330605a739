/**
 * The ticketing flow end to end, as microservices use node-nats-streaming:
 * a tickets service and an orders service, durable queue listeners with manual
 * acks and deliver-all; an orders listener restarted mid-stream resumes from its
 * last ack; an update that arrives out of order is left unacked and comes back
 * after the ack wait, when it can be applied.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  closeStan, connectStan, inboxOf, publish, startStan, subscribe, type Harness, type Received, type Stan,
} from './harness.js';

interface Ticket { id: string; title: string; price: number; version: number; orderId?: string }

/** The orders service: keeps a copy of tickets, applying updates strictly in version order. */
class OrdersService {
  readonly tickets = new Map<string, Ticket>();
  readonly seen: Array<{ subject: string; seq: number; redelivered: boolean }> = [];
  sc!: Stan;

  constructor(private readonly h: Harness) {}

  async start(): Promise<void> {
    this.sc = await connectStan(this.h.url, this.h.clusterId, 'orders-1');
    await this.listen('ticket:created', (t) => {
      this.tickets.set(t.id, { ...t });
      return true;
    });
    await this.listen('ticket:updated', (t) => {
      const cur = this.tickets.get(t.id);
      if (!cur || cur.version !== t.version - 1) return false; // out of order: no ack, wait for redelivery
      this.tickets.set(t.id, { ...t });
      return true;
    });
  }

  private async listen(subject: string, apply: (t: Ticket) => boolean): Promise<void> {
    const opts = this.sc.subscriptionOptions().setDeliverAllAvailable().setManualAckMode(true)
      .setAckWait(1000).setDurableName('orders-service');
    const sub = await subscribe(this.sc, subject, 'orders-service', opts);
    inboxOf(sub).each((r: Received) => {
      this.seen.push({ subject, seq: r.seq, redelivered: r.redelivered });
      if (apply(JSON.parse(r.data) as Ticket)) {
        r.msg.ack();
        if (subject === 'ticket:created') this.sc.publish('order:created', JSON.stringify({ ticketId: JSON.parse(r.data).id }));
      }
    });
  }

  async stop(): Promise<void> {
    await closeStan(this.sc);
  }
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ticketing flow', () => {
  let h: Harness;
  let tickets: Stan;
  const reserved = new Set<string>();
  before(async () => {
    h = await startStan({ clusterId: 'ticketing', hbInterval: 1000, hbTimeout: 1000, hbFailCount: 2 });
    tickets = await h.connect('tickets-1');
    // the tickets service learns about orders through its own durable queue listener
    const opts = tickets.subscriptionOptions().setDeliverAllAvailable().setManualAckMode(true).setDurableName('tickets-service');
    const sub = await subscribe(tickets, 'order:created', 'tickets-service', opts);
    inboxOf(sub).each((r) => {
      reserved.add((JSON.parse(r.data) as { ticketId: string }).ticketId);
      r.msg.ack();
    });
  });
  after(async () => { await h.close(); });

  const create = (id: string, price = 10) =>
    publish(tickets, 'ticket:created', JSON.stringify({ id, title: `concert ${id}`, price, version: 0 }));
  const update = (id: string, version: number, price: number) =>
    publish(tickets, 'ticket:updated', JSON.stringify({ id, title: `concert ${id}`, price, version }));

  it('events flow both ways and every event is processed once', async () => {
    const orders = new OrdersService(h);
    await create('t1');
    await create('t2');
    await orders.start();
    await until(() => orders.tickets.size === 2 && reserved.size === 2, 'two tickets created and reserved');
    assert.deepEqual([...reserved].sort(), ['t1', 't2']);
    assert.ok(orders.seen.every((s) => !s.redelivered));
    await orders.stop();
  });

  it('a listener restarted mid-stream resumes from its last ack', async () => {
    const orders = new OrdersService(h);
    await orders.start();
    // the restarted service gets nothing it acked before (the group kept its position)
    await create('t3');
    await until(() => orders.tickets.has('t3'), 't3');
    assert.deepEqual(orders.seen.map((s) => s.seq), [3]);
    await orders.stop();
    // events published while no orders listener runs
    await create('t4');
    await create('t5');
    const restarted = new OrdersService(h);
    await restarted.start();
    await until(() => restarted.tickets.has('t4') && restarted.tickets.has('t5'), 't4 and t5');
    assert.deepEqual(restarted.seen.filter((s) => s.subject === 'ticket:created').map((s) => s.seq), [4, 5]);
    await until(() => reserved.has('t5'), 't5 reserved');
    await restarted.stop();
  });

  it('an out-of-order update is redelivered after the ack wait and then applied', async () => {
    const orders = new OrdersService(h);
    await create('t6', 10);
    await orders.start();
    await until(() => orders.tickets.has('t6'), 't6');
    // version 2 is published before version 1
    await update('t6', 2, 30);
    await update('t6', 1, 20);
    await until(() => orders.tickets.get('t6')!.version === 1, 'version 1 applied');
    await until(() => orders.tickets.get('t6')!.version === 2, 'version 2 applied after redelivery', 4000);
    assert.equal(orders.tickets.get('t6')!.price, 30);
    const v2 = orders.seen.filter((s) => s.subject === 'ticket:updated' && s.seq === 1);
    assert.deepEqual(v2.map((s) => s.redelivered), [false, true]);
    await orders.stop();
  });

  it('the monitoring view shows the durable queue groups', () => {
    const created = h.server.channels.get('ticket:created')!;
    const group = created.queues.get('orders-service:orders-service')!;
    assert.ok(group.shadow, 'offline while no orders service runs');
    assert.equal(group.shadow!.queueName, 'orders-service:orders-service');
    assert.equal(group.shadow!.durableName, '');
    assert.equal(group.shadow!.isDurable, true);
    assert.equal(created.lastSeq, 6);
  });
});
