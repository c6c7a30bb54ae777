package org.grad4j.transformer;

/** Finds the bytes of a class by internal name ({@code a/b/C}); null when there are none. */
@FunctionalInterface
public interface ClassFileLocator {
    byte[] bytesOf(String internalName);

    /**
     * The loaded classes that extend or implement {@code internalName} (itself excluded), by
     * internal name, or null when this locator cannot tell (it sees no loaded classes, or one of
     * them is a lambda whose body it cannot name). A lambda (a hidden class, whose bytes cannot be
     * read) may be listed as {@code LAMBDA + creator + ";" + interface}: the class that made it
     * and the functional interface it implements, whose lambda sites name its body. Asked of a
     * virtual call, to know which bodies it may run.
     */
    default java.util.List<String> loadedSubtypes(String internalName) {
        return null;
    }

    /** The prefix of a lambda among {@link #loadedSubtypes}. */
    String LAMBDA = "lambda:";

    /** Reads {@code .class} resources through a class loader (the system loader when null). */
    static ClassFileLocator of(ClassLoader loader) {
        return internalName -> {
            ClassLoader l = loader != null ? loader : ClassLoader.getSystemClassLoader();
            try (java.io.InputStream in = l.getResourceAsStream(internalName + ".class")) {
                return in == null ? null : in.readAllBytes();
            } catch (java.io.IOException e) {
                return null;
            }
        };
    }
}
