import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BIN_HEADER, decodeData, encodeData, parsePageMessage } from '../shared/bridge-wire.ts';

describe('bridge wire protocol', () => {
  it('round-trips data frames', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.double({ min: 0, max: 4e12, noNaN: true }), fc.uint8Array({ maxLength: 512 }), (conn, at, payload) => {
        const frame = decodeData(encodeData(conn, at, payload));
        expect(frame).not.toBeNull();
        expect(frame!.conn).toBe(conn);
        expect(frame!.at).toBe(at);
        expect([...frame!.payload]).toEqual([...payload]);
      }),
    );
  });

  it('rejects short or unknown binary frames instead of throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const frame = decodeData(bytes);
        if (bytes.length < BIN_HEADER || bytes[0] !== 1) expect(frame).toBeNull();
      }),
    );
  });

  it('parses only well-formed page messages', () => {
    expect(parsePageMessage('{"t":"hello","wire":[1],"token":"x","app":"a"}')).toMatchObject({ t: 'hello' });
    expect(parsePageMessage('{"t":"open-device","spec":{"device":"3","mode":"server","port":15003}}')).toMatchObject({ t: 'open-device' });
    expect(parsePageMessage('{"t":"open-device","spec":{"device":"3","mode":"server","port":70000}}')).toBeNull();
    expect(parsePageMessage('{"t":"open-device","spec":{"device":"3","mode":"proxy","port":80}}')).toBeNull();
    expect(parsePageMessage('{"t":"hello","wire":"1","token":"x"}')).toBeNull();
    expect(parsePageMessage('{"t":"exec","cmd":"rm"}')).toBeNull();
    expect(parsePageMessage('null')).toBeNull();
    expect(parsePageMessage('{')).toBeNull();
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        parsePageMessage(text);
      }),
      { numRuns: 2000 },
    );
  });
});
