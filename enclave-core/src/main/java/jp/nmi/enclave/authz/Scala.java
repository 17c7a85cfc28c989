package jp.nmi.enclave.authz;

import java.util.List;
import java.util.function.Function;
import scala.PartialFunction;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractPartialFunction;

/** The few conversions Java code needs to work with Catalyst's Scala API. */
final class Scala {
    private Scala() {}

    static <T> Seq<T> seq(List<T> list) {
        return CollectionConverters.asScala(list).toSeq();
    }

    static <T> List<T> list(scala.collection.Seq<T> seq) {
        return CollectionConverters.asJava(seq);
    }

    /** A partial function defined on instances of {@code type}. */
    static <A, B, S extends A> PartialFunction<A, B> on(Class<S> type, Function<S, B> f) {
        return new AbstractPartialFunction<>() {
            @Override
            public boolean isDefinedAt(A x) {
                return type.isInstance(x);
            }

            @Override
            public B apply(A x) {
                return f.apply(type.cast(x));
            }
        };
    }
}
