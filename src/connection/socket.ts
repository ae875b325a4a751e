import * as net from 'node:net';
import * as tls from 'node:tls';
import { ConnectError } from '../errors/driver-errors.js';

/** Where and how to open a socket (the part of the connection options that says so). */
export interface SocketOptions {
  readonly host: string;
  readonly port?: number;
  readonly tls?: boolean | tls.ConnectionOptions;
  readonly socketFactory?: (host: string, port: number) => net.Socket;
}

/**
 * Open the socket of a connection: the `socketFactory` when given, else TLS or plain TCP.
 * Resolves once connected (TLS: once the handshake is done, certificate and host name verified
 * unless the options turn that off); fails with ConnectError, also after `timeoutMs`.
 */
export function openSocket(options: SocketOptions, hostId: string, timeoutMs: number): Promise<net.Socket> {
  const host = options.host;
  const port = options.port ?? 9042;
  return new Promise<net.Socket>((resolve, reject) => {
    let socket: net.Socket;
    const onError = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(new ConnectError(hostId, err.message, err));
    };
    const timer = setTimeout(() => onError(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
    };
    const onConnect = (): void => {
      cleanup();
      resolve(socket);
    };
    const tlsOption = options.tls;
    if (options.socketFactory) {
      socket = options.socketFactory(host, port);
      socket.once('connect', onConnect);
    } else if (tlsOption) {
      const opts: tls.ConnectionOptions = { host, port, ...(tlsOption === true ? {} : tlsOption) };
      // SNI only for names: an IP address is not a valid server name.
      if (opts.servername === undefined && net.isIP(host) === 0) opts.servername = host;
      socket = tls.connect(opts);
      socket.once('secureConnect', onConnect);
    } else {
      socket = net.connect({ host, port });
      socket.once('connect', onConnect);
    }
    socket.once('error', onError);
  });
}
