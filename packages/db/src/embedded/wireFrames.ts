// Framing of the PostgreSQL frontend protocol for the embedded store's socket server: cuts one
// message off a connection's inbox, and refuses what must never reach PGlite. PGlite is the one
// backend of every client at once, so a packet it cannot frame (a startup packet without its
// terminator, a message type the protocol does not have) breaks its protocol state for everyone
// after; and a length field below the header size would never consume input at all.

export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
export const PROTOCOL_3 = 196608;

/** PostgreSQL's own limit for a startup packet. */
export const MAX_STARTUP_BYTES = 10_000;
/** Messages of a few fields (Sync, Describe, Execute, …): PostgreSQL's own limit. */
export const MAX_SMALL_MESSAGE_BYTES = 10_000;
/** Query, Parse, Bind, CopyData, FunctionCall carry the writer's batches: generous, but bounded. */
export const MAX_LARGE_MESSAGE_BYTES = 256 * 1024 * 1024;

const LARGE_TYPES = new Set('QPBdF');
const SMALL_TYPES = new Set('CDEHScfX');

export type Frame =
  /** Not a whole frame yet: wait until the inbox holds `need` bytes. */
  | { kind: 'incomplete'; need: number }
  /** A startup packet or a message, to run on the backend (`size` = bytes.length). */
  | { kind: 'startup' | 'message'; bytes: Buffer; size: number }
  /** Encryption requests, answered 'N' (none on a local socket). */
  | { kind: 'ssl' | 'gssenc'; size: number }
  /** The client ends the connection. */
  | { kind: 'cancel' | 'terminate'; size: number }
  /** The client broke the protocol: answer with an error and close. */
  | { kind: 'violation'; reason: string };

/** The first frame of `inbox`; `startedUp` says whether the startup packet has been seen. */
export function cutFrame(inbox: Buffer, startedUp: boolean): Frame {
  return startedUp ? cutMessage(inbox) : cutStartup(inbox);
}

function cutStartup(inbox: Buffer): Frame {
  if (inbox.length < 4) return { kind: 'incomplete', need: 8 };
  const len = inbox.readInt32BE(0);
  if (len < 8 || len > MAX_STARTUP_BYTES) return { kind: 'violation', reason: `invalid length of startup packet (${len} bytes)` };
  if (inbox.length < len) return { kind: 'incomplete', need: len };
  const code = inbox.readInt32BE(4);
  const special = { [SSL_REQUEST_CODE]: 'ssl', [GSSENC_REQUEST_CODE]: 'gssenc', [CANCEL_REQUEST_CODE]: 'cancel' } as const;
  const kind = special[code as keyof typeof special];
  if (kind) {
    const expected = kind === 'cancel' ? 16 : 8;
    if (len !== expected) return { kind: 'violation', reason: `invalid length of ${kind} request (${len} bytes)` };
    return { kind, size: len };
  }
  if (code !== PROTOCOL_3) return { kind: 'violation', reason: `unsupported frontend protocol ${code >>> 16}.${code & 0xffff} (3.0 is served)` };
  if (!startupLayoutOk(inbox.subarray(8, len))) return { kind: 'violation', reason: 'invalid startup packet layout' };
  return { kind: 'startup', bytes: inbox.subarray(0, len), size: len };
}

/** Startup parameters: (name NUL value NUL)* NUL, names not empty. */
export function startupLayoutOk(body: Buffer): boolean {
  const end = body.length - 1; // the final terminator
  if (end < 0 || body[end] !== 0) return false;
  let at = 0;
  while (at < end) {
    const nameEnd = body.indexOf(0, at);
    if (nameEnd === at || nameEnd >= end) return false;
    const valueEnd = body.indexOf(0, nameEnd + 1);
    if (valueEnd >= end) return false;
    at = valueEnd + 1;
  }
  return true;
}

function cutMessage(inbox: Buffer): Frame {
  if (inbox.length < 1) return { kind: 'incomplete', need: 5 };
  const type = String.fromCharCode(inbox[0]);
  const max = LARGE_TYPES.has(type) ? MAX_LARGE_MESSAGE_BYTES : SMALL_TYPES.has(type) ? MAX_SMALL_MESSAGE_BYTES : 0;
  if (!max) return { kind: 'violation', reason: `invalid frontend message type ${inbox[0]}` };
  if (inbox.length < 5) return { kind: 'incomplete', need: 5 };
  const len = inbox.readInt32BE(1);
  if (len < 4 || len > max) return { kind: 'violation', reason: `invalid message length ${len} for message type ${JSON.stringify(type)}` };
  if (inbox.length < 1 + len) return { kind: 'incomplete', need: 1 + len };
  if (type === 'X') return { kind: 'terminate', size: 1 + len };
  return { kind: 'message', bytes: inbox.subarray(0, 1 + len), size: 1 + len };
}

/** A FATAL ErrorResponse with SQLSTATE 08P01 (protocol violation). */
export function protocolViolation(reason: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C08P01\0M${reason}\0\0`, 'utf8');
  const head = Buffer.alloc(5);
  head.write('E', 0, 'latin1');
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}
