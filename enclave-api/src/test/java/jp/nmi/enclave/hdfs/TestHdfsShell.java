package jp.nmi.enclave.hdfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.Test;

class TestHdfsShell {
    @Test
    void aLoneSemicolonSeparatesCommandsAndNothingElseDoes() {
        List<String[]> commands = HdfsShell.commands(new String[] {"-mkdir", "/enclave/egress", ";", "-chown", "egress:egress",
            "/enclave/egress", ";", "-ls", "/a;b", "x;"});
        assertThat(commands).containsExactly(new String[] {"-mkdir", "/enclave/egress"},
                new String[] {"-chown", "egress:egress", "/enclave/egress"}, new String[] {"-ls", "/a;b", "x;"});
        assertThat(HdfsShell.commands(new String[] {"-ls", "/"})).containsExactly(new String[][] {{"-ls", "/"}});
        assertThat(HdfsShell.commands(new String[0])).as("no command: the shell's usage, as before").containsExactly(new String[][] {{}});
    }

    @Test
    void anEmptyCommandIsRefusedBeforeAnythingRuns() {
        assertThatThrownBy(() -> HdfsShell.commands(new String[] {"-ls", "/", ";", ";", "-rm", "/x"}))
                .isInstanceOf(ValidationException.class)
                .hasMessage("an empty command at word 4: ';' goes between two commands");
        assertThatThrownBy(() -> HdfsShell.commands(new String[] {";", "-ls", "/"}))
                .hasMessage("an empty command at word 1: ';' goes between two commands");
        assertThatThrownBy(() -> HdfsShell.commands(new String[] {"-ls", "/", ";"}))
                .hasMessage("an empty command at word 4: ';' goes between two commands");
    }
}
