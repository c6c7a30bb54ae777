package org.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * An application without ND4J on its class path must be able to use grad4j: the runtime's
 * classes (all but {@code org.grad4j.tensor}) are loaded, verified, initialised and run here in
 * a class loader that sees the runtime and these tests but not ND4J (its parent is the platform
 * loader), and none of them names an ND4J class in its constant pool.
 */
class WithoutNd4jTest {
    private static final String TENSOR_PACKAGE = "org/grad4j/tensor/";

    private static Path classesOf(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static URLClassLoader withoutNd4j() throws Exception {
        return new URLClassLoader(new URL[] {classesOf(AD.class).toUri().toURL(),
                classesOf(WithoutNd4jTest.class).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
    }

    private static List<String> runtimeClassFiles() throws Exception {
        Path root = classesOf(AD.class);
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(p -> p.toString().endsWith(".class")).forEach(p -> out.add(root.relativize(p).toString().replace('\\', '/')));
        }
        return out;
    }

    @Test
    void noClassOutsideTheTensorPackageReferencesNd4j() throws Exception {
        Path root = classesOf(AD.class);
        List<String> offenders = new ArrayList<>();
        for (String file : runtimeClassFiles()) {
            if (file.startsWith(TENSOR_PACKAGE)) continue;
            String bytes = new String(Files.readAllBytes(root.resolve(file)), StandardCharsets.ISO_8859_1);
            if (bytes.contains("org/nd4j/")) offenders.add(file);
        }
        assertTrue(offenders.isEmpty(), "classes naming ND4J types (they would fail to link without ND4J): " + offenders);
    }

    @Test
    void everyRuntimeClassLoadsVerifiesAndInitialisesWithoutNd4j() throws Exception {
        try (URLClassLoader loader = withoutNd4j()) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName("org.nd4j.linalg.api.ndarray.INDArray", false, loader));
            List<String> failures = new ArrayList<>();
            for (String file : runtimeClassFiles()) {
                if (file.startsWith(TENSOR_PACKAGE) || file.endsWith("module-info.class")) continue;
                String name = file.substring(0, file.length() - ".class".length()).replace('/', '.');
                try {
                    Class<?> c = Class.forName(name, true, loader); // links (verifies) and initialises
                    assertEquals(loader, c.getClassLoader(), name + " must come from the isolated loader");
                } catch (Throwable t) {
                    failures.add(name + ": " + t);
                }
            }
            assertTrue(failures.isEmpty(), String.join("\n", failures));
        }
    }

    @Test
    void theRuleTableHasNoTensorRulesWithoutNd4j() throws Exception {
        try (URLClassLoader loader = withoutNd4j()) {
            Class<?> table = Class.forName("org.grad4j.rules.RuleTable", true, loader);
            Object global = table.getMethod("global").invoke(null);
            List<?> rules = (List<?>) table.getMethod("all").invoke(global);
            assertTrue(rules.size() > 40, "the built-in Math rules are there");
            for (Object rule : rules) {
                String owner = (String) rule.getClass().getMethod("owner").invoke(rule);
                // boxing rules need no ND4J and are always there; ND4J's own operations are not
                assertFalse(owner.startsWith("org/nd4j/"), "rule registered without ND4J: " + rule);
            }
        }
    }

    @Test
    void aGradientRunsEndToEndWithoutNd4j() throws Throwable {
        Properties props = System.getProperties();
        Object saved = props.get("org.grad4j.bridge");
        try (URLClassLoader loader = withoutNd4j()) {
            Class<?> program = Class.forName("org.grad4j.isolated.NoTensorProgram", true, loader);
            Method f = program.getMethod("f", double.class, double[].class);
            Class<?> entryCall = Class.forName("org.grad4j.runtime.EntryCall", true, loader);
            MethodType type = (MethodType) entryCall.getMethod("entryType", Method.class).invoke(null, f);
            MethodHandle entry = MethodHandles.publicLookup().findStatic(program, "f$entry", type);
            BiFunction<Class<?>, String, MethodHandle> generator = (owner, key) -> entry;
            props.put("org.grad4j.bridge", generator);
            Class<?> ad = Class.forName("org.grad4j.AD", true, loader);
            Object gradients = ad.getMethod("gradient", Method.class, Object.class, Object[].class)
                    .invoke(null, f, null, new Object[] {2.0, new double[] {1, 5}});
            Method get = gradients.getClass().getMethod("get", int.class);
            assertEquals(4 + 15.0, (double) gradients.getClass().getMethod("value").invoke(gradients), 1e-12);
            assertEquals(4.0, (Double) get.invoke(gradients, 0), 1e-12);
            assertArrayEquals(new double[] {15, 3}, (double[]) get.invoke(gradients, 1), 1e-12);
        } finally {
            if (saved == null) props.remove("org.grad4j.bridge");
            else props.put("org.grad4j.bridge", saved);
        }
    }
}
