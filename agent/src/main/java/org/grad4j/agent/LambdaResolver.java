package org.grad4j.agent;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.read.LambdaSites;

/**
 * Names the implementation method of a hidden lambda class, for virtual calls on lambdas that
 * are not serializable ({@code DoubleUnaryOperator} fields and the like): the class that created
 * the lambda is its nest host, and its bytecode holds the site that made it.
 */
final class LambdaResolver implements BiFunction<Class<?>, String, String[][]> {
    private final Function<ClassLoader, ClassFileLocator> locators;

    LambdaResolver(Function<ClassLoader, ClassFileLocator> locators) {
        this.locators = locators;
    }

    @Override
    public String[][] apply(Class<?> lambda, String functionalInterface) {
        String name = lambda.getName();
        int marker = name.indexOf("$$Lambda");
        if (marker < 0) return null;
        String creator = name.substring(0, marker).replace('.', '/'); // the class whose invokedynamic made it
        byte[] bytes = locators.apply(lambda.getClassLoader()).bytesOf(creator);
        if (bytes == null) return null;
        List<String> captured = new ArrayList<>();
        for (Field f : org.grad4j.runtime.LambdaCaptures.fieldsOf(lambda)) captured.add(org.grad4j.runtime.Descriptors.of(f.getType()));
        List<LambdaSites.Implementation> found = LambdaSites.find(bytes, functionalInterface, captured);
        String[][] r = new String[found.size()][];
        for (int i = 0; i < r.length; i++) {
            LambdaSites.Implementation impl = found.get(i);
            r[i] = new String[] {impl.owner().replace('/', '.'), impl.name(), impl.descriptor(), impl.isStatic() ? "static" : "virtual",
                    impl.line() == 0 ? "" : String.valueOf(impl.line())};
        }
        return r;
    }
}
