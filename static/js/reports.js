// Reports page charts, drawn from the JSON the view puts in <script id="chart-data">.
(function () {
  const source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  const chartData = JSON.parse(source.textContent);
  new Chart(document.getElementById("platform-chart"), {
    type: "bar",
    data: {
      labels: chartData.platforms.labels,
      datasets: [
        {label: "Reach", data: chartData.platforms.reach},
        {label: "Engagements", data: chartData.platforms.engagements},
      ],
    },
  });
  new Chart(document.getElementById("bucket-chart"), {
    type: "bar",
    data: {
      labels: chartData.buckets.labels,
      datasets: [{label: "Engagement rate (%)", data: chartData.buckets.rates}],
    },
  });
})();
