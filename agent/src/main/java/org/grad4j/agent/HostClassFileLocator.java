package org.grad4j.agent;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.grad4j.transformer.ClassFileLocator;

/**
 * Class bytes as seen from one class loader, for one generation. In order:
 * <ol>
 *   <li>bytes recorded at load time ({@link RecordedClasses}; the loader, then its parents);</li>
 *   <li>the loader's {@code .class} resource — how a lambda's body is found, which lives in a
 *       class with no {@code @Differentiable} method, and how classes loaded before a run-time
 *       {@code install()} are found;</li>
 *   <li>a retransformation that captures the bytes (classes defined from memory, with no
 *       resource), when the JVM supports it.</li>
 * </ol>
 * Answers are remembered for the life of this locator (one generation: the transformer may ask
 * for the same superclass many times), misses included.
 */
final class HostClassFileLocator implements ClassFileLocator {
    private final ClassLoader loader;
    private final RecordedClasses recorded;
    /** Bytes of a loaded class by retransformation, or null; null when the JVM cannot retransform. */
    private final Function<Class<?>, byte[]> retransform;
    private final ConcurrentHashMap<String, Optional<byte[]>> seen = new ConcurrentHashMap<>();
    /** The classes the JVM has loaded, or null when unknown. */
    private final Supplier<Class<?>[]> loadedClasses;
    private final ConcurrentHashMap<String, Optional<List<String>>> subtypes = new ConcurrentHashMap<>();

    HostClassFileLocator(ClassLoader loader, RecordedClasses recorded, Function<Class<?>, byte[]> retransform) {
        this(loader, recorded, retransform, null);
    }

    HostClassFileLocator(ClassLoader loader, RecordedClasses recorded, Function<Class<?>, byte[]> retransform,
                         Supplier<Class<?>[]> loadedClasses) {
        this.loader = loader;
        this.recorded = recorded;
        this.retransform = retransform;
        this.loadedClasses = loadedClasses;
    }

    /**
     * The loaded classes assignable to the type, from {@code Instrumentation.getAllLoadedClasses};
     * a lambda (a hidden class, whose body is a method of another class) as the class that made
     * it and the interface it implements ({@link ClassFileLocator#LAMBDA}); null when there is no
     * instrumentation, the type cannot be loaded from this loader, or a hidden class that is not
     * a lambda implements it.
     */
    @Override
    public List<String> loadedSubtypes(String internalName) {
        if (loadedClasses == null || internalName == null || internalName.startsWith("[")) return null;
        return subtypes.computeIfAbsent(internalName, n -> Optional.ofNullable(findSubtypes(n))).orElse(null);
    }

    private List<String> findSubtypes(String internalName) {
        Class<?> type;
        try {
            type = Class.forName(internalName.replace('/', '.'), false, loader);
        } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
            return null;
        }
        List<String> found = new ArrayList<>();
        for (Class<?> c : loadedClasses.get()) {
            if (c == type || c.isArray() || c.isPrimitive() || !type.isAssignableFrom(c)) continue;
            if (c.isHidden() || c.getName().contains("$$Lambda")) {
                String lambda = lambda(c, type);
                if (lambda == null) return null;
                if (!found.contains(lambda)) found.add(lambda);
                continue;
            }
            found.add(c.getName().replace('.', '/'));
        }
        return found;
    }

    /**
     * A lambda class as {@code LAMBDA + creator + ";" + interface}: the class named before
     * {@code $$Lambda} made it (with an invokedynamic site naming its body; not its nest host,
     * which for a nested class is the outermost one), and it implements one interface assignable
     * to {@code type}; null when it is not such a lambda.
     */
    private static String lambda(Class<?> c, Class<?> type) {
        int at = c.getName().indexOf("$$Lambda");
        if (at <= 0) return null;
        String creator = c.getName().substring(0, at);
        String implemented = null;
        for (Class<?> i : c.getInterfaces()) {
            if (!type.isAssignableFrom(i)) continue;
            if (implemented != null) return null; // two candidates: which site made it is unclear
            implemented = i.getName().replace('.', '/');
        }
        return implemented == null ? null
                : ClassFileLocator.LAMBDA + creator.replace('.', '/') + ";" + implemented;
    }

    @Override
    public byte[] bytesOf(String internalName) {
        if (internalName == null || internalName.isEmpty() || internalName.charAt(0) == '[') return null;
        return seen.computeIfAbsent(internalName, n -> Optional.ofNullable(locate(n))).orElse(null);
    }

    private byte[] locate(String internalName) {
        byte[] bytes = declares(recorded.find(loader, internalName), internalName);
        if (bytes == null) bytes = resource(internalName);
        if (bytes == null) bytes = retransformed(internalName);
        return bytes;
    }

    /**
     * Recorded bytes that do not parse as the class asked for (bytes a loader was offered and
     * refused, under the name of a class defined later) are passed over for the other sources.
     */
    private static byte[] declares(byte[] bytes, String internalName) {
        if (bytes == null) return null;
        try {
            return new org.objectweb.asm.ClassReader(bytes).getClassName().equals(internalName) ? bytes : null;
        } catch (RuntimeException damaged) {
            return null;
        }
    }

    private byte[] resource(String internalName) {
        String name = internalName + ".class";
        try (InputStream in = loader != null ? loader.getResourceAsStream(name) : ClassLoader.getSystemResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private byte[] retransformed(String internalName) {
        if (retransform == null) return null;
        Class<?> type;
        try {
            // Loads the class if it is not loaded yet (not initialised): a class with neither
            // recorded bytes nor a resource can only be read once it is loaded.
            type = Class.forName(internalName.replace('/', '.'), false, loader);
        } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
            return null;
        }
        return retransform.apply(type);
    }
}
