package jp.nmi.egress.discovery;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jp.nmi.enclave.error.NotFoundException;
import org.junit.jupiter.api.Test;

class TestDiscoveryAccess {
    /** An egress-review instance run with --discovery off answers no discovery call, whoever asks, before reading anything. */
    @Test
    void anInstanceWithoutDiscoveryAnswersNothingOfIt() {
        assertThatThrownBy(() -> new DiscoveryAccess(null, null, "off").checkCanDiscover(null)).isInstanceOf(NotFoundException.class)
                .hasMessage("cohort discovery is not served by this instance of the service");
    }
}
