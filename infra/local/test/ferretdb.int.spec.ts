import mongoose, { type Connection, Schema } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from './unique';

interface Widget {
  name: string;
  count: number;
}

const widgetSchema = new Schema<Widget>({
  name: { type: String, required: true, unique: true },
  count: { type: Number, required: true },
});

describe('local FerretDB through mongoose', () => {
  let connection: Connection;

  beforeAll(async () => {
    // A database per run keeps concurrent suites apart; it is dropped afterwards.
    connection = await mongoose
      .createConnection(`mongodb://127.0.0.1:27017/${uniqueName('nf_int')}`, { serverSelectionTimeoutMS: 5_000 })
      .asPromise();
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('creates, finds and updates a document', async () => {
    const Widgets = connection.model<Widget>('Widget', widgetSchema, uniqueName('widgets'));
    await Widgets.init();

    await Widgets.create({ name: 'gear', count: 1 });
    await Widgets.updateOne({ name: 'gear' }, { $inc: { count: 41 } });
    const updated = await Widgets.findOneAndUpdate(
      { name: 'gear' },
      { $set: { count: 43 } },
      { returnDocument: 'after' },
    ).lean();
    const found = await Widgets.find({ name: 'gear' }).lean();

    expect(updated?.count).toBe(43);
    expect(found).toHaveLength(1);
    expect(found[0]?.count).toBe(43);
  });

  it('rejects a duplicate key on a unique index with E11000', async () => {
    const Widgets = connection.model<Widget>('UniqueWidget', widgetSchema, uniqueName('unique_widgets'));
    await Widgets.init();
    await Widgets.create({ name: 'sprocket', count: 1 });

    await expect(Widgets.create({ name: 'sprocket', count: 2 })).rejects.toMatchObject({ code: 11000 });
    expect(await Widgets.countDocuments({ name: 'sprocket' })).toBe(1);
  });
});
