import { Lifecycle } from '../../src/app/bootstrap/lifecycle';

// What main opened is closed newest first (the server before the database it uses), and one
// failure does not leave the rest open.
describe('Lifecycle.closeAll', () => {
  it('closes newest first, goes on past a failure, reports it, and runs once', async () => {
    const order: string[] = [];
    const life = new Lifecycle();
    life.add('database', () => void order.push('database'));
    life.add('emulators', () => {
      order.push('emulators');
      throw new Error('port already closed');
    });
    life.add('server', async () => void order.push('server'));
    const [first, second] = await Promise.all([life.closeAll(), life.closeAll()]);
    expect(order).toEqual(['server', 'emulators', 'database']);
    expect(first).toBe(false);
    expect(second).toBe(false);
  });
});
