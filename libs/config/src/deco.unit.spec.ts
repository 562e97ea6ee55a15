import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { placeholder } from '@neuroforge/config';
class Dep {}
function Injectable(): ClassDecorator { return () => {}; }
@Injectable()
class Svc { constructor(readonly dep: Dep) {} }
describe('toolchain', () => {
  it('emits decorator metadata', () => {
    expect(Reflect.getMetadata('design:paramtypes', Svc)).toEqual([Dep]);
    expect(placeholder).toBe(1);
  });
});
