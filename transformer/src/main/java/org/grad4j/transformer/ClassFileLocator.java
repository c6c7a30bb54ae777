package org.grad4j.transformer;

/** Finds the bytes of a class by internal name ({@code a/b/C}); null when there are none. */
@FunctionalInterface
public interface ClassFileLocator {
    byte[] bytesOf(String internalName);

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
