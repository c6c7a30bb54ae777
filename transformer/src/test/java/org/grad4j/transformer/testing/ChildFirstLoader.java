package org.grad4j.transformer.testing;

import java.io.IOException;
import java.io.InputStream;

/**
 * Loads a rewritten copy of a test class, and the classes nested in it, in a loader of their own,
 * so that the copy runs beside the original ({@code StreamFusionTest}, {@code LambdaObjectsTest}).
 */
public final class ChildFirstLoader extends ClassLoader {
    private final String name;
    private final byte[] bytes;

    private ChildFirstLoader(Class<?> original, byte[] bytes) {
        super(original.getClassLoader());
        this.name = original.getName();
        this.bytes = bytes;
    }

    /** The class defined from {@code bytes} under the name of {@code original}. */
    public static Class<?> load(Class<?> original, byte[] bytes) {
        try {
            return new ChildFirstLoader(original, bytes).loadClass(original.getName());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    /** The class written from {@code node} (frames computed) under the name of {@code original}. */
    public static Class<?> load(Class<?> original, org.objectweb.asm.tree.ClassNode node) {
        org.objectweb.asm.ClassWriter w = new org.objectweb.asm.ClassWriter(org.objectweb.asm.ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected String getCommonSuperClass(String a, String b) {
                return "java/lang/Object";
            }
        };
        node.accept(w);
        return load(original, w.toByteArray());
    }

    /** A class file's bytes, as the test's class loader finds them. */
    public static byte[] bytesOf(Class<?> c) {
        try (InputStream in = c.getClassLoader().getResourceAsStream(c.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
        if (!n.startsWith(name)) return super.loadClass(n, resolve);
        synchronized (getClassLoadingLock(n)) {
            Class<?> c = findLoadedClass(n);
            if (c != null) return c;
            try (InputStream in = getParent().getResourceAsStream(n.replace('.', '/') + ".class")) {
                byte[] b = n.equals(name) ? bytes : in.readAllBytes();
                return defineClass(n, b, 0, b.length);
            } catch (IOException e) {
                throw new ClassNotFoundException(n, e);
            }
        }
    }
}
