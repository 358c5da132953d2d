import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applySettings } from '../../../cli/settings.js';
import { UsageError } from '../../../cli/errors.js';
import {
  TemporalConfigError,
  connectionOptions,
  temporalSettings,
} from '../../../client/temporal-connection.js';

// Connection settings: an `elo` flag over Temporal's environment variables over the profile file.
describe('Temporal connection settings (flag > env > profile)', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'elo-settings-'));
    file = path.join(dir, 'temporal.toml');
    await writeFile(
      file,
      [
        '[profile.default]',
        'address = "file.example:7233"',
        'namespace = "from-file"',
        '[profile.cloud]',
        'address = "cloud.example:7233"',
        'api_key = "k-123"',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The settings `elo` would connect with, given its flags and an environment. */
  const resolve = (flags: Record<string, string>, env: NodeJS.ProcessEnv) => {
    const copy = { ...env };
    applySettings(flags, copy);
    return temporalSettings(copy);
  };

  it('reads the profile file, and the environment overrides it field by field', () => {
    const fromFile = resolve({}, { TEMPORAL_CONFIG_FILE: file });
    assert.deepEqual([fromFile.address, fromFile.namespace], ['file.example:7233', 'from-file']);
    const fromEnv = resolve({}, { TEMPORAL_CONFIG_FILE: file, TEMPORAL_ADDRESS: 'env.example:1' });
    assert.deepEqual([fromEnv.address, fromEnv.namespace], ['env.example:1', 'from-file']);
  });

  it('a flag wins over the environment and the profile', () => {
    const env = { TEMPORAL_CONFIG_FILE: file, TEMPORAL_ADDRESS: 'env.example:1' };
    const s = resolve({ address: 'flag.example:2', namespace: 'flag-ns' }, env);
    assert.deepEqual([s.address, s.namespace], ['flag.example:2', 'flag-ns']);
  });

  it('picks the profile by flag or TEMPORAL_PROFILE; an API key turns TLS on', () => {
    const byFlag = resolve({ configFile: file, profile: 'cloud' }, {});
    assert.equal(byFlag.address, 'cloud.example:7233');
    const options = connectionOptions(byFlag);
    assert.deepEqual([options.apiKey, options.tls], ['k-123', true]);
    const byEnv = resolve({}, { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
    assert.equal(byEnv.address, 'cloud.example:7233');
  });

  it('defaults to the local dev server when the profile file names nothing', async () => {
    const empty = path.join(dir, 'empty.toml');
    await writeFile(empty, '[profile.default]\n');
    const s = resolve({}, { TEMPORAL_CONFIG_FILE: empty });
    assert.deepEqual([s.address, s.namespace], ['127.0.0.1:7233', 'default']);
  });

  it('names the variable of each problem, and what replaced a former ELO name', () => {
    assert.throws(
      () => resolve({}, { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nope' }),
      (err) => err instanceof TemporalConfigError && /TEMPORAL_PROFILE: .*nope/.test(err.message),
    );
    assert.throws(
      () => resolve({ configFile: path.join(dir, 'none.toml') }, {}),
      (err) =>
        err instanceof TemporalConfigError &&
        /TEMPORAL_CONFIG_FILE: .*none\.toml does not exist/.test(err.message),
    );
    assert.throws(
      () => resolve({}, { TEMPORAL_TLS_CERT_PATH: '/c.pem', ELO_SETTINGS: '/s.json' }),
      (err) =>
        err instanceof TemporalConfigError &&
        /TEMPORAL_TLS_CERT_PATH: no longer read; set TEMPORAL_TLS_CLIENT_CERT_PATH/.test(
          err.message,
        ) &&
        /ELO_SETTINGS: no longer read; set TEMPORAL_CONFIG_FILE/.test(err.message),
    );
    assert.throws(() => applySettings({ settings: '/s.json' }, {}), UsageError);
  });
});
