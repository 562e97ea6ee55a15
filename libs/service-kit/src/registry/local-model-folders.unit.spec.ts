import { describe, expect, it } from 'vitest';
import { LocalModelFolders, parseModelDirs } from './local-model-folders';

class NotFound extends Error {}
const errors = { notFound: (ref: string, why: string) => new NotFound(`${ref}: ${why}`) };
const folders = new LocalModelFolders(parseModelDirs('m:1=/a, m:3=/c,m@stable=1,other:2=/o', 'NF_TEST_DIRS'), errors);

describe('LocalModelFolders', () => {
  it('knows only models with a mapped version', () => {
    expect(folders.knows('m')).toBe(true);
    expect(folders.knows('other')).toBe(true);
    expect(folders.knows('missing')).toBe(false);
  });

  it('resolves a version to its folder', async () => {
    expect(await folders.resolve({ kind: 'version', name: 'm', version: 3 })).toEqual({
      name: 'm',
      version: 3,
      dir: '/c',
    });
  });

  it('resolves a mapped alias to the version it names, and records the alias', async () => {
    expect(await folders.resolve({ kind: 'alias', name: 'm', alias: 'stable' })).toEqual({
      name: 'm',
      version: 1,
      dir: '/a',
      followsAlias: { name: 'm', alias: 'stable' },
    });
  });

  it('resolves an unmapped alias to the highest version', async () => {
    const resolved = await folders.resolve({ kind: 'alias', name: 'm', alias: 'latest' });
    expect(resolved.version).toBe(3);
    expect(resolved.dir).toBe('/c');
  });

  it("raises the caller's not-found error for an unmapped version", async () => {
    await expect(folders.resolve({ kind: 'version', name: 'm', version: 2 })).rejects.toThrow(NotFound);
    await expect(folders.resolve({ kind: 'version', name: 'm', version: 2 })).rejects.toThrow(
      'm:2: no local folder is mapped for it',
    );
  });
});

describe('parseModelDirs', () => {
  it('returns an empty map for empty text', () => {
    expect(parseModelDirs('', 'NF_TEST_DIRS').size).toBe(0);
  });

  it('names the variable in the error for a malformed item', () => {
    expect(() => parseModelDirs('m=/a', 'NF_TEST_DIRS')).toThrow(
      "NF_TEST_DIRS: 'm=/a' must be name:version=/path/to/model-folder or name@alias=version",
    );
    expect(() => parseModelDirs('m@stable=/a', 'NF_TEST_DIRS')).toThrow('NF_TEST_DIRS');
  });
});
