// Package pipeline owns ingestion (one entry point for every source) and
// the River workers that inspect, verify and record each document.
package pipeline
