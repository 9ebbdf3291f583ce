// Reports page charts, drawn from the JSON the view puts in <script id="chart-data">.
(function () {
  const source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  const chartData = JSON.parse(source.textContent);
  const platformCanvas = document.getElementById("platform-chart");
  const bucketCanvas = document.getElementById("bucket-chart");
  new Chart(platformCanvas, {
    type: "bar",
    data: {
      labels: chartData.platforms.labels,
      datasets: [
        {label: "Reach", data: chartData.platforms.reach},
        {label: "Engagements", data: chartData.platforms.engagements},
      ],
    },
  });
  new Chart(bucketCanvas, {
    type: "bar",
    data: {
      labels: chartData.buckets.labels,
      datasets: [{label: "Engagement rate (%)", data: chartData.buckets.rates}],
    },
  });
  // Drawn: the browser test (and anyone debugging) can tell a chart from a blank canvas.
  for (const canvas of [platformCanvas, bucketCanvas]) {
    if (Chart.getChart(canvas)) canvas.dataset.drawn = "1";
  }
})();
