// What the RPCs return for a collection: the catalog record plus its document count.
import type { CollectionRecord } from '../ports/vector-store.port';

export interface CollectionView extends CollectionRecord {
  readonly documentCount: number;
}
