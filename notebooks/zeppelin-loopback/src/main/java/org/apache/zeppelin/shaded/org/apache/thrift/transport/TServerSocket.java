package org.apache.zeppelin.shaded.org.apache.thrift.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The enclave's stand-in for thrift's server socket (0.13 API), first on an interpreter process's
 * classpath (thrift as relocated in zeppelin-interpreter-shaded): the interpreter opens its server with {@code new TServerSocket(port)},
 * which thrift binds to every interface, and thrift's RPC carries no authentication. Here a port
 * alone, or a wildcard address, binds to the loopback address; an explicit address is kept.
 */
public class TServerSocket extends TServerTransport {
    /** Thrift's arguments object, with the server socket to use as it is. */
    public static class ServerSocketTransportArgs extends AbstractServerTransportArgs<ServerSocketTransportArgs> {
        ServerSocket serverSocket;

        public ServerSocketTransportArgs serverSocket(ServerSocket serverSocket) {
            this.serverSocket = serverSocket;
            return this;
        }
    }

    private final ServerSocket server;
    private final int clientTimeout;

    public TServerSocket(ServerSocket serverSocket) throws TTransportException {
        this(serverSocket, 0);
    }

    public TServerSocket(ServerSocket serverSocket, int clientTimeout) throws TTransportException {
        this(new ServerSocketTransportArgs().serverSocket(serverSocket).clientTimeout(clientTimeout));
    }

    public TServerSocket(int port) throws TTransportException {
        this(port, 0);
    }

    public TServerSocket(int port, int clientTimeout) throws TTransportException {
        this(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), clientTimeout);
    }

    public TServerSocket(InetSocketAddress bindAddr) throws TTransportException {
        this(bindAddr, 0);
    }

    public TServerSocket(InetSocketAddress bindAddr, int clientTimeout) throws TTransportException {
        this(new ServerSocketTransportArgs().bindAddr(bindAddr).clientTimeout(clientTimeout));
    }

    public TServerSocket(ServerSocketTransportArgs args) throws TTransportException {
        this.clientTimeout = args.clientTimeout;
        if (args.serverSocket != null) {
            this.server = args.serverSocket;
            return;
        }
        InetSocketAddress bind = args.bindAddr;
        if (bind == null || bind.getAddress() == null || bind.getAddress().isAnyLocalAddress()) {
            bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), bind == null ? 0 : bind.getPort());
        }
        ServerSocket s = null;
        try {
            s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(bind, args.backlog);
        } catch (IOException e) {
            closeQuietly(s);
            throw new TTransportException("Could not create ServerSocket on address " + bind + ".", e);
        }
        this.server = s;
    }

    @Override
    public void listen() throws TTransportException {
        try {
            server.setSoTimeout(0);
        } catch (IOException e) {
            throw new TTransportException("cannot listen on " + server.getLocalSocketAddress(), e);
        }
    }

    @Override
    protected TSocket acceptImpl() throws TTransportException {
        try {
            Socket client = server.accept();
            TSocket socket = new TSocket(client);
            socket.setTimeout(clientTimeout);
            return socket;
        } catch (IOException e) {
            throw new TTransportException(e);
        }
    }

    @Override
    public void close() {
        closeQuietly(server);
    }

    @Override
    public void interrupt() {
        close();
    }

    public ServerSocket getServerSocket() {
        return server;
    }

    private static void closeQuietly(ServerSocket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
