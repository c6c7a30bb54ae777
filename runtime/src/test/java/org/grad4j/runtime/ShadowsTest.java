package org.grad4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShadowsTest {
    @Test
    void whichArraysHaveShadows() {
        assertTrue(Shadows.isDifferentiableArray(double[].class));
        assertTrue(Shadows.isDifferentiableArray(float[][][].class));
        assertFalse(Shadows.isDifferentiableArray(int[].class));
        assertFalse(Shadows.isDifferentiableArray(Double[].class));
        assertFalse(Shadows.isDifferentiableArray(double.class));
    }

    @Test
    void zerosOfTheSameShapeAndStructure() {
        double[] row = {1, 2};
        double[][] m = {row, null, {3}, row};
        Shadows s = new Shadows();
        double[][] z = (double[][]) s.zerosLike(m);
        assertNotSame(m, z);
        assertEquals(4, z.length);
        assertArrayEquals(new double[2], z[0]);
        assertNull(z[1]);
        assertArrayEquals(new double[1], z[2]);
        assertSame(z[0], z[3], "one row object, one shadow row");
        assertSame(z[0], s.zerosLike(row));
        assertArrayEquals(new float[3], (float[]) s.zerosLike(new float[] {1, 2, 3}));
        assertEquals(2, ((double[][][]) s.zerosLike(new double[2][3][4])).length);
        assertNull(s.zerosLike(null));
    }
}
