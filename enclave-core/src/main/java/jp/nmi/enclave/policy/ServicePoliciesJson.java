package jp.nmi.enclave.policy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import org.apache.ranger.plugin.model.RangerServiceDef;
import org.apache.ranger.plugin.util.ServicePolicies;

/** Reads and writes Ranger's {@code ServicePolicies} JSON, the format Ranger Admin serves to plugins. */
public final class ServicePoliciesJson {
    /** Ranger's model classes carry Jackson annotations; unknown fields of newer Ranger versions are tolerated. */
    static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ServicePoliciesJson() {}

    public static ServicePolicies parse(InputStream in) throws IOException {
        ServicePolicies policies = JSON.readValue(in, ServicePolicies.class);
        if (policies == null) {
            throw new IOException("the document is empty");
        }
        if (policies.getServiceDef() == null) {
            policies.setServiceDef(hiveServiceDef());
        }
        return policies;
    }

    public static byte[] write(ServicePolicies policies) throws IOException {
        return JSON.writeValueAsBytes(policies);
    }

    /** A deep copy of {@code policy}, through its JSON form. */
    public static org.apache.ranger.plugin.model.RangerPolicy copy(org.apache.ranger.plugin.model.RangerPolicy policy) {
        return JSON.convertValue(policy, org.apache.ranger.plugin.model.RangerPolicy.class);
    }

    /** The stock Hive service definition shipped inside the Ranger jar (database/table/column, mask types). */
    public static RangerServiceDef hiveServiceDef() {
        try (InputStream in = ServicePolicies.class.getResourceAsStream("/service-defs/ranger-servicedef-hive.json")) {
            if (in == null) {
                throw new PolicyUnavailableException("the Ranger jar has no /service-defs/ranger-servicedef-hive.json");
            }
            return JSON.readValue(in, RangerServiceDef.class);
        } catch (IOException e) {
            throw new PolicyUnavailableException("cannot read Ranger's Hive service definition: " + e.getMessage(), e);
        }
    }
}
