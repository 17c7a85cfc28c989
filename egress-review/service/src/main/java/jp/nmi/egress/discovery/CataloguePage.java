package jp.nmi.egress.discovery;

import jp.nmi.egress.config.EgressEnvironment;
import jp.nmi.egress.security.Actor;
import jp.nmi.enclave.dataset.DataCatalogue;
import jp.nmi.enclave.dataset.DatasetRegistryStore;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The data catalogue for registered researchers (whoever may use cohort discovery): every published
 * dataset with its description, columns, types, sensitivity, update date, row count as bounds and
 * the standards it follows, from the dataset registry.
 */
@Controller
public class CataloguePage {
    private final DiscoveryAccess access;
    private final EgressEnvironment env;
    private final DataCatalogue catalogue = DataCatalogue.load();

    public CataloguePage(DiscoveryAccess access, EgressEnvironment env) {
        this.access = access;
        this.env = env;
    }

    @GetMapping("/catalogue")
    public String page(Authentication auth, Model model, java.util.Locale locale) {
        Actor actor = access.checkCanDiscover(auth);
        model.addAttribute("actor", actor);
        var registry = new DatasetRegistryStore(env.storage()).read();
        model.addAttribute("published", registry.map(r -> r.publication()).orElse(null));
        model.addAttribute("datasets", registry.map(r -> catalogue.datasets(r, locale)).orElse(java.util.List.of()));
        return "catalogue";
    }
}
