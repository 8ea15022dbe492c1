/** The {@code cohort} command line: {@code simulate}, {@code coordinator} and {@code client} (picocli). */
package io.cohort.cli;
