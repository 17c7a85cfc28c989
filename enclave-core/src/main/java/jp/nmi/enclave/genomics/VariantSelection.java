package jp.nmi.enclave.genomics;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.error.ValidationException;

/** Which variants a query asks about: named ones, a genomic region, or all. */
public sealed interface VariantSelection {
    record Ids(List<String> ids) implements VariantSelection {}

    /** {@code chrom:start-end}, 1-based and inclusive as VCF positions are. */
    record Region(String chrom, int start, int end) implements VariantSelection {}

    record All() implements VariantSelection {}

    Pattern REGION = Pattern.compile("((?:chr)?(?:[0-9]{1,2}|X|Y|M|MT)):([0-9]{1,9})-([0-9]{1,9})", Pattern.CASE_INSENSITIVE);

    static VariantSelection region(String text) {
        Matcher m = REGION.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new ValidationException("--region: '" + text + "' is not CHROM:START-END (e.g. 17:43044295-43125483)");
        }
        int start = Integer.parseInt(m.group(2));
        int end = Integer.parseInt(m.group(3));
        if (start > end) {
            throw new ValidationException("--region: " + text + " starts after it ends");
        }
        return new Region(Chromosomes.canonical(m.group(1)), start, end);
    }

    /** The indexes of the selected variants in {@code index}, in the index's order, each once; an unknown id is refused. */
    default List<Integer> resolve(AlleleIndex index) {
        List<Integer> out = new ArrayList<>();
        List<AlleleIndex.Variant> vs = index.variants();
        if (this instanceof Ids ids) {
            for (String id : ids.ids()) {
                int i = index.indexOf(id);
                if (i < 0) {
                    throw new NotFoundException("variant " + id + " is not in the project's genotypes");
                }
                out.add(i);
            }
            return out.stream().distinct().sorted().toList();
        } else if (this instanceof Region r) {
            for (int i = 0; i < vs.size(); i++) {
                AlleleIndex.Variant v = vs.get(i);
                if (Chromosomes.canonical(v.chrom()).equals(r.chrom()) && v.pos() >= r.start() && v.pos() <= r.end()) {
                    out.add(i);
                }
            }
        } else {
            for (int i = 0; i < vs.size(); i++) {
                out.add(i);
            }
        }
        return out;
    }
}
