// Package report writes the documents sohoa hands out: for now the
// progress figures' exports (CSV, JSON, XLSX with excelize), in the shape
// the README documents so a reporting system can take them.
package report
