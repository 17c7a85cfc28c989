package jp.nmi.notebook.loopback;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class TestLoopbackServerSocket {
    @Test
    void aPortAloneOrAWildcardBindsToLoopbackInBothThrifts() throws Exception {
        org.apache.thrift.transport.TServerSocket server = new org.apache.thrift.transport.TServerSocket(0);
        org.apache.zeppelin.shaded.org.apache.thrift.transport.TServerSocket interpreter =
                new org.apache.zeppelin.shaded.org.apache.thrift.transport.TServerSocket(0);
        org.apache.thrift.transport.TServerSocket wildcard = new org.apache.thrift.transport.TServerSocket(new InetSocketAddress(0));
        try {
            assertThat(server.getServerSocket().getInetAddress()).isEqualTo(InetAddress.getLoopbackAddress());
            assertThat(interpreter.getServerSocket().getInetAddress()).isEqualTo(InetAddress.getLoopbackAddress());
            assertThat(wildcard.getServerSocket().getInetAddress()).isEqualTo(InetAddress.getLoopbackAddress());
            assertThat(server.getServerSocket().getLocalPort()).isPositive();
        } finally {
            server.close();
            interpreter.close();
            wildcard.close();
        }
    }
}
